'use strict'
// The one formatter of figures in sentences, logs, the CLI and the HTML
// report: bytes, rates, durations, counts and shares.

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

/** Bytes as `"812 B"`, `"1.5 KiB"`, `"3.0 MiB"`; `"?"` for a value that is not a finite number. */
function bytes(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '?'
  let scaled = Math.abs(value)
  let unit = 0
  while (scaled >= 1024 && unit < BYTE_UNITS.length - 1) {
    scaled /= 1024
    unit++
  }
  const sign = value < 0 ? '-' : ''
  return unit === 0 ? `${sign}${Math.round(scaled)} B` : `${sign}${scaled.toFixed(1)} ${BYTE_UNITS[unit]}`
}

/** A whole count with thousands separators: `"3,000"`. */
function count(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '?'
  return Math.round(value).toLocaleString('en')
}

/** A duration as `"300 ms"`, `"3.2 s"`, `"45 s"`, `"12 min"`, `"3.5 h"`, `"2.0 days"`; `"never"` for infinity. */
function duration(ms) {
  if (typeof ms !== 'number' || Number.isNaN(ms)) return '?'
  if (!Number.isFinite(ms)) return 'never'
  const s = ms / 1000
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (s < 10) return `${s.toFixed(1)} s`
  if (s < 90) return `${Math.round(s)} s`
  if (s < 90 * 60) return `${Math.round(s / 60)} min`
  if (s < 48 * 3600) return `${(s / 3600).toFixed(1)} h`
  return `${(s / 86400).toFixed(1)} days`
}

/** A growth rate a minute: bytes for memory kinds (`"1.2 MiB/min"`), a count otherwise (`"1,200/min"`). */
function rate(perMinute, inBytes) {
  return `${inBytes ? bytes(perMinute) : count(perMinute)}/min`
}

/** A share of 0..1 as `"87%"`. */
function percent(share) {
  return `${Math.round(share * 100)}%`
}

/** A per-call amount: `"~812 bytes"`, `"~1.0"`, or `"one every ~10 calls"` under one a call. */
function perCall(value, inBytes) {
  if (inBytes) return `~${count(value)} bytes per call`
  if (value >= 0.95) return `~${value.toFixed(1)} per call`
  return `one every ~${count(1 / Math.max(value, 1e-9))} calls`
}

module.exports = { bytes, count, duration, percent, perCall, rate }
