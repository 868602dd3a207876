export type { CliContext } from './context.js';
export { formatError, type Painter, plainPainter } from './format-error.js';
export { buildProgram, main, VERSION } from './main.js';
export { type ReportInput, type ReportSection, renderReportHtml } from './report/html.js';
export { layoutTopology, type Topology, topologySvg } from './report/topology.js';
