// Bytes shown in an error message: printable ASCII as is, anything else as a \xNN escape.

export function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'))
}
