import type { Paint } from '@nimbus/check';
import { type Diagnostic, ERROR_CATALOG, formatLocation, isNimbusError } from '@nimbus/model/core';

/** The one painter type: check's formatters and the CLI colour output with the same one. */
export type Painter = Paint;

export const plainPainter: Painter = { red: String, yellow: String, dim: String, bold: String, cyan: String, green: String };

function diagnosticLine(d: Diagnostic, paint: Painter): string {
  const where = formatLocation(d);
  const head = `${paint.red(paint.bold('error'))}${paint.dim(`[${d.code}]`)} ${where ? `${paint.bold(where)} ` : ''}`;
  const path = d.path ? `${paint.cyan(d.path)}: ` : '';
  const hint = d.hint ?? ERROR_CATALOG[d.code].hint;
  return `${head}${path}${d.message}\n  ${paint.dim('hint:')} ${hint}`;
}

/** Human text for any error: every diagnostic with its place and hint, never a stack unless asked. */
export function formatError(err: unknown, paint: Painter, debug = false): { text: string; exitCode: number } {
  if (isNimbusError(err)) {
    const lines =
      err.diagnostics.length > 0
        ? err.diagnostics.map((d) => diagnosticLine(d, paint))
        : [diagnosticLine({ ...err.location, code: err.code, message: err.message, hint: err.hint }, paint)];
    if (err.diagnostics.length > 1) lines.push(paint.red(`${err.diagnostics.length} problems; nothing was written.`));
    if (debug && err.stack) lines.push(paint.dim(err.stack));
    return { text: lines.join('\n'), exitCode: err.exitCode };
  }
  const message = err instanceof Error ? err.message : String(err);
  const lines = [diagnosticLine({ code: 'NIMBUS_INTERNAL', message }, paint)];
  if (debug && err instanceof Error && err.stack) lines.push(paint.dim(err.stack));
  return { text: lines.join('\n'), exitCode: ERROR_CATALOG.NIMBUS_INTERNAL.exitCode };
}
