/**
 * Text widths for laying out charts in Node, where Vega has no canvas to measure text with (its fallback,
 * 0.8 x font size per character, overestimates by half and leaves wide gaps beside axis labels). Widths
 * come from the Helvetica AFM metrics (1/1000 em), which Arial and Liberation Sans share; the report sets
 * that font stack, so the estimate matches what the browser draws. Pure and deterministic.
 */
const REGULAR: Record<string, number> = {};

// Printable ASCII from space (32) to tilde (126), Helvetica regular.
const ASCII_WIDTHS = [
  278,
  278,
  355,
  556,
  556,
  889,
  667,
  191,
  333,
  333,
  389,
  584,
  278,
  333,
  278,
  278, // space to /
  556,
  556,
  556,
  556,
  556,
  556,
  556,
  556,
  556,
  556, // 0-9
  278,
  278,
  584,
  584,
  584,
  556,
  1015, // : ; < = > ? @
  667,
  667,
  722,
  722,
  667,
  611,
  778,
  722,
  278,
  500,
  667,
  556,
  833,
  722,
  778,
  667,
  778,
  722,
  667,
  611,
  722,
  667,
  944,
  667,
  667,
  611, // A-Z
  278,
  278,
  278,
  469,
  556,
  333, // [ \ ] ^ _ `
  556,
  556,
  500,
  556,
  556,
  278,
  556,
  556,
  222,
  222,
  500,
  222,
  833,
  556,
  556,
  556,
  556,
  333,
  500,
  278,
  556,
  500,
  722,
  500,
  500,
  500, // a-z
  334,
  260,
  334,
  584, // { | } ~
];
for (let i = 0; i < ASCII_WIDTHS.length; i++) REGULAR[String.fromCharCode(32 + i)] = ASCII_WIDTHS[i];
Object.assign(REGULAR, {'\u2013': 556, '\u2014': 1000, '\u00b7': 278, '\u2265': 549, '\u2264': 549, '\u2026': 1000, '\u00a0': 278});

/** Width in pixels of `text` set in Helvetica/Arial at `fontSize` px (bold is about 6% wider). */
export function textWidth(text: string, fontSize: number, bold = false): number {
  let units = 0;
  for (const ch of text) units += REGULAR[ch] ?? 556;
  return (units * fontSize * (bold ? 1.06 : 1)) / 1000;
}
