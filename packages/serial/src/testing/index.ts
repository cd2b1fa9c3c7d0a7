export { benchSerial, type SerialBenchOptions, type SerialBenchResult } from '../bench/bench-serial.js';
export {
  type BuildFirmwareOptions,
  buildFirmwareHost,
  FIRMWARE_DIR,
  type FirmwareHost,
  hasCompiler,
  type StartFirmwareOptions,
  startFirmwareHost,
} from './firmware-host.js';
export { Noise, type NoiseOptions, type NoiseStats } from './noise.js';
export { type NoisyStream, type NoisyStreamOptions, withNoise } from './noisy-stream.js';
export {
  createStreamPair,
  type MemoryStream,
  type StreamPair,
  type StreamPairOptions,
} from './stream-pair.js';
