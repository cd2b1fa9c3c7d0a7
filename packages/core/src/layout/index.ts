export type { CreateLayoutOptions } from './create-layout.js';
export {
  createLayout,
  DEFAULT_REGION_BASE,
  defaultStride,
  RPMSG_LITE_LINUX_STRIDE,
} from './create-layout.js';
export { layoutToJson, parseLayoutJson } from './layout-json.js';
export type { ResourceTable, ResourceTableVdev, ResourceTableVring } from './resource-table.js';
export {
  RESOURCE_TABLE_SIZE,
  RSC_VDEV,
  readGuestFeatures,
  readResourceTable,
  readVdevStatus,
  writeGuestFeatures,
  writeResourceTable,
  writeVdevStatus,
} from './resource-table.js';
export type { LayoutProfile, RpmsgLayout, VringDirection, VringInfo } from './types.js';
