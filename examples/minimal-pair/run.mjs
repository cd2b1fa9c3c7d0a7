// Boots the pair: node examples/minimal-pair/run.mjs (after `pnpm build`).
import { createSoc } from '../../packages/soc/dist/index.js';

const soc = await createSoc({
  master: new URL('./a-core.mjs', import.meta.url),
  remote: new URL('./m-core.mjs', import.meta.url),
});
console.log(await soc.result); // [ 'HELLO', 'FROM', 'THE A-CORE' ]
await soc.stop();
