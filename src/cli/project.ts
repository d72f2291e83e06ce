/**
 * `unweave separate --project <file.unweave>`: exports the stems of an edited project through
 * exportProjectStems(), the same function the app's export calls, so both write the same bytes.
 */
import { dirname, resolve } from 'node:path'
import {
  exportProjectStems,
  loadModel,
  openProject,
  projectStemPaths,
  requireAudio,
} from '../node/index'
import type { ProjectExportCommand } from './args'
import { ProgressBar } from './progress'
import { ensureDir, removeCreatedDirs, type CliIo, type SeparateReport } from './separate'

/** The --json object: SeparateReport's fields plus the project path and the edit count. */
export interface ProjectExportReport extends SeparateReport {
  project: string
  edits: number
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000

/** Runs the project export; returns the exit code (user-facing errors are thrown with theirs). */
export async function runProjectExport(
  cmd: ProjectExportCommand,
  io: CliIo,
  signal: AbortSignal,
): Promise<number> {
  const t0 = performance.now()
  const bar = new ProgressBar(io.stderr)
  let createdDir: string | undefined
  let outDir: string | undefined
  let ok = false
  try {
    bar.update(0, 'open')
    const opened = await openProject(cmd.project)
    requireAudio(opened.audio)
    const project = opened.project
    outDir = resolve(cmd.out ?? dirname(project.audio.path))
    const paths = projectStemPaths(project, outDir, cmd.format)
    // The model's grid, when the project names the installed model (its metadata only).
    const model = await loadModel().then(
      ({ metadata }) => (metadata.name === project.model.name ? metadata : undefined),
      () => undefined,
    )
    createdDir = await ensureDir(outDir)
    const res = await exportProjectStems(project, {
      paths,
      ...(model
        ? {
            modelStft: {
              sampleRate: model.sampleRate,
              nFft: model.stft.nFft,
              hop: model.stft.hop,
            },
          }
        : {}),
      format: cmd.format,
      bits: cmd.bits,
      force: cmd.force,
      signal,
      onProgress: (p) => bar.update(0.05 + 0.9 * p.fraction, p.stage),
    })
    bar.update(1, 'done')
    bar.clear()
    const openSec = (performance.now() - t0) / 1000 - res.timingsSec.total
    const report: ProjectExportReport = {
      input: project.audio.path,
      project: resolve(cmd.project),
      edits: project.history.undo.length,
      sampleRate: res.sampleRate,
      channels: res.channels,
      durationSec: round3(res.durationSec),
      device: 'none',
      stereoCue: project.settings.stereoCue ?? 0,
      sources: res.files.map((f) => ({
        index: f.source + 1,
        path: f.path,
        energyShare: Math.round((res.energyShares[f.source] ?? 0) * 1e6) / 1e6,
      })),
      timingsSec: {
        decode: round3(res.timingsSec.decode + Math.max(0, openSec)),
        embed: 0,
        cluster: round3(res.timingsSec.masks),
        synthesize: round3(res.timingsSec.synthesize),
        encode: round3(res.timingsSec.encode),
        total: round3((performance.now() - t0) / 1000),
      },
    }
    if (cmd.json) io.stdout.write(JSON.stringify(report) + '\n')
    else {
      const lines = [
        `${report.project}: ${project.automatic.k} sources, ${report.edits} edit${report.edits === 1 ? '' : 's'}, recording ${report.input}`,
        ...report.sources.map(
          (s) =>
            `  ${String(s.index).padStart(2)}  ${s.path}  ${(s.energyShare * 100).toFixed(1).padStart(5)}% of energy`,
        ),
        `done in ${report.timingsSec.total.toFixed(1)} s (open+decode ${report.timingsSec.decode.toFixed(2)}, masks ${report.timingsSec.cluster.toFixed(2)}, synthesize ${report.timingsSec.synthesize.toFixed(2)}, encode ${report.timingsSec.encode.toFixed(2)})`,
      ]
      io.stdout.write(lines.join('\n') + '\n')
    }
    if (res.clippedSamples > 0)
      io.stderr.write(
        `warning: ${res.clippedSamples} samples exceeded full scale and were clipped; use --bits 32f to keep them.\n`,
      )
    ok = true
    return 0
  } finally {
    bar.clear()
    // a folder this run created is removed again when nothing was written into it
    if (!ok && outDir) await removeCreatedDirs(createdDir, outDir)
  }
}
