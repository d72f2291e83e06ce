/** Throws the signal's reason (a DOMException 'AbortError' by default) when it is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw signal.reason ?? new DOMException('The operation was aborted.', 'AbortError')
}

/** Yields to the event loop (so progress can be shown and an abort can arrive). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0))
}
