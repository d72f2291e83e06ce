/**
 * A canvas laid over the waveform's container, the same way for every plugin that paints there:
 * absolutely placed over the whole container, hidden from assistive technology and, unless a
 * plugin takes pointer events itself, letting them through.
 */
export function overlayCanvas(
  container: HTMLElement,
  className: string,
  zIndex: number,
  style: Partial<CSSStyleDeclaration> = {},
): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D | null } {
  const canvas = container.ownerDocument.createElement('canvas')
  canvas.className = className
  canvas.setAttribute('aria-hidden', 'true')
  Object.assign(canvas.style, overlayStyle(zIndex, style))
  return { canvas, ctx: canvas.getContext('2d') }
}

/** The style of a layer over the whole container at `zIndex` (pointer events pass) and `style`. */
export function overlayStyle(
  zIndex: number,
  style: Partial<CSSStyleDeclaration> = {},
): Partial<CSSStyleDeclaration> {
  return {
    position: 'absolute',
    left: '0',
    top: '0',
    width: '100%',
    height: '100%',
    zIndex: String(zIndex),
    pointerEvents: 'none',
    ...style,
  }
}
