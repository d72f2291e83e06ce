import { describe, expect, it } from 'vitest'
import { formatTime } from './format'

describe('formatTime', () => {
  it('rounds before it splits minutes and seconds', () => {
    expect(formatTime(59.96)).toBe('1:00.0')
    expect(formatTime(59.94)).toBe('0:59.9')
    expect(formatTime(3599.99, 1)).toBe('1:00:00.0')
    expect(formatTime(83.45, 2)).toBe('1:23.45')
    expect(formatTime(12.6, 0)).toBe('0:13')
    expect(formatTime(-1)).toBe('0:00.0')
    expect(formatTime(NaN, 2)).toBe('0:00.00')
    expect(formatTime(3723.4)).toBe('1:02:03.4')
    expect(formatTime(3725, 0)).toBe('1:02:05')
    expect(formatTime(65.25, 2)).toBe('1:05.25')
  })
})
