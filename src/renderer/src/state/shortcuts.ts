/**
 * Every keyboard and pointer shortcut of the editor, in one table: the "?" overlay lists it, and
 * the handlers it names are AppState.handleKey, MaskEditor.handleKey, the Editor's keys and the
 * spectrogram's wheel and pointer code. `mod` is "Ctrl" or "⌘".
 */
import { TOOLS } from './mask-editor.svelte'

/** One shortcut: the keys (or gesture) and what it does. */
export interface Shortcut {
  keys: string
  does: string
}

/** A group of shortcuts under a heading. */
export interface ShortcutGroup {
  title: string
  shortcuts: Shortcut[]
}

/** The shortcut groups, with the platform's modifier name. */
export function shortcutGroups(mod: string): ShortcutGroup[] {
  return [
    {
      title: 'Play',
      shortcuts: [
        { keys: 'Space', does: 'Play / pause' },
        { keys: 'Shift+Space', does: 'Loop only the selected bins (again: stop)' },
        { keys: '1 – 9', does: 'Solo that source (again: all sources)' },
        { keys: 'M', does: 'Mute the selected source' },
        { keys: '← / →', does: 'Move the playhead (Shift: five times as far)' },
        { keys: 'Home / End', does: 'Playhead to the start / end' },
      ],
    },
    {
      title: 'Tools and selections',
      shortcuts: [
        ...TOOLS.map((t) => ({ keys: t.key, does: t.label })),
        { keys: 'Shift+drag', does: 'Add to the selection (any selection tool, the wand too)' },
        { keys: 'Alt+drag', does: 'Subtract from the selection (Option on a Mac)' },
        { keys: 'Shift+Alt+drag', does: 'Keep only where the selections meet' },
        { keys: `${mod}+A`, does: 'Select every bin' },
        { keys: `${mod}+Shift+I`, does: 'Invert the selection' },
        { keys: `${mod}+D`, does: 'Select nothing' },
        { keys: 'Esc', does: 'Cancel the stroke, drop the selection, then the tool' },
      ],
    },
    {
      title: 'Edit',
      shortcuts: [
        { keys: `${mod}+Z`, does: 'Undo' },
        { keys: `${mod}+Shift+Z`, does: 'Redo' },
        { keys: 'History list', does: 'Click any entry to go to that state' },
      ],
    },
    {
      title: 'View',
      shortcuts: [
        { keys: '= / +', does: 'Zoom in (time)' },
        { keys: '−', does: 'Zoom out (time)' },
        { keys: '0', does: 'Fit the whole file' },
        { keys: 'Shift+↑ / Shift+↓', does: 'Zoom frequency in / out' },
        { keys: 'Wheel, trackpad swipe', does: 'Scroll time' },
        { keys: `${mod}+wheel, pinch`, does: 'Zoom time around the pointer' },
        { keys: 'Shift+wheel', does: 'Zoom frequency around the pointer' },
        { keys: 'Drag on the frequency ruler', does: 'Zoom to that band (double-click: all)' },
        { keys: 'Click or drag the overview', does: 'Go to that part of the file' },
      ],
    },
    {
      title: 'File',
      shortcuts: [
        { keys: `${mod}+O`, does: 'Open a recording' },
        { keys: `${mod}+S`, does: 'Save the project' },
        { keys: `${mod}+E`, does: 'Export stems' },
        { keys: '?', does: 'This list' },
      ],
    },
  ]
}
