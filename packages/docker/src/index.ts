export { type BuildImagesOptions, type BuiltImage, buildImages, contextHash, GENERATED_DOCKERFILE, parseBuildArgs } from './images.js';
export { inventoryImage } from './inventory.js';
export { assignAllSlots, singleNodeClusterArgs } from './local-redis.js';
export {
  APP_LABEL,
  containerOf,
  LOCAL_RESOURCE_IMAGES,
  type LocalResource,
  type LocalRunEvent,
  networkOf,
  planLocalResources,
  type ServiceRow,
  serviceContainer,
  startOrder,
  startResources,
  startServices,
  writeConfigVolumes,
} from './local-run.js';
export { type BuildOptions, DockerManager, type Hardening, MANAGED_LABEL, type RunOptions } from './manager.js';
