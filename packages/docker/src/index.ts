export { inventoryImage } from './inventory.js';
export { type BuildOptions, DockerManager, MANAGED_LABEL, type RunOptions } from './manager.js';
