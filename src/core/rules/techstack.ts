import type {IcpRules} from '../../schemas/icp-rules.js';
import {compileTerms, snippet, type TermMatch, type TermMatcher} from './terms.js';

export interface TechStack {
  uses_x12: boolean;
  x12_transaction_sets: string[];
  uses_clearinghouse: boolean;
  clearinghouses: string[];
  uses_fhir: boolean;
  uses_hl7: boolean;
  ehrs: string[];
  techstack_confidence: number;
  techstack_evidence: string[];
}

/** Words near a bare 3-digit code that make it an X12 transaction set rather than any number. */
const SET_CONTEXT = /x12|edi|transaction|eligib|claim|remit|\bera\b|authori[sz]|status|enrol|payment|\b\d{3}[pid]?\s*[/&,]\s*\d{3}\b/i;
const MAX_EVIDENCE = 6;

export interface TechStackDetector {
  detect(text: string): TechStack;
}

/** Detects X12 EDI (and its transaction sets), clearinghouses, FHIR, HL7 and EHRs in free text. */
export function compileTechStack(rules: IcpRules['techstack']): TechStackDetector {
  const signalTerms = [
    {name: 'x12', patterns: rules.x12},
    {name: 'fhir', patterns: rules.fhir},
    {name: 'hl7', patterns: rules.hl7},
    {name: 'clearinghouse', patterns: ['clearing ?houses?']},
  ];
  const signals: TermMatcher = compileTerms(signalTerms);
  const codes = Object.keys(rules.transaction_sets);
  const setTerms = codes.map((c) => ({name: c, patterns: [`${c}[PID]?`]}));
  const sets = compileTerms(setTerms);
  const houses = compileTerms(rules.clearinghouses);
  const ehrs = compileTerms(rules.ehrs);
  // Every pattern of the four lists in one regex: a text it finds nothing in has no match in any list (a
  // match of one list at some place is a match of this one there), so most texts are scanned once, not four times.
  // (Patterns valid one by one may still clash in one regex, e.g. by repeating a group name: then no prefilter.)
  let any: TermMatcher | null;
  try {
    any = compileTerms([...signalTerms, ...setTerms, ...rules.clearinghouses, ...rules.ehrs]);
  } catch {
    any = null;
  }
  const chars = rules.evidence_chars;
  const none: TermMatch[] = [];

  return {
    detect(text: string): TechStack {
      const evidence: string[] = [];
      const note = (index: number, length: number) => {
        if (evidence.length < MAX_EVIDENCE) {
          const s = snippet(text, index, length, chars);
          if (!evidence.includes(s)) evidence.push(s);
        }
      };
      // No list matches before the first match of the four together (-1: none anywhere).
      const from = any === null ? 0 : any.first(text);
      const hit = from !== -1;
      let x12 = false;
      let fhir = false;
      let hl7 = false;
      let clearinghouse = false;
      for (const m of hit ? signals.all(text, from) : none) {
        if (m.term === 'x12') x12 = true;
        else if (m.term === 'fhir') fhir = true;
        else if (m.term === 'hl7') hl7 = true;
        else clearinghouse = true;
        note(m.index, m.length);
      }
      // Small lists (a few names at most): arrays with includes, sorted at the end (same as sorted sets).
      const seenSets: string[] = [];
      for (const m of hit ? sets.all(text, from) : none) {
        const around = text.slice(Math.max(0, m.index - 40), m.index + m.length + 40);
        if (SET_CONTEXT.test(around)) {
          if (!seenSets.includes(m.term)) seenSets.push(m.term);
          note(m.index, m.length);
        }
      }
      const houseNames: string[] = [];
      for (const m of hit ? houses.all(text, from) : none) {
        if (!houseNames.includes(m.term)) houseNames.push(m.term);
        note(m.index, m.length);
      }
      const ehrNames: string[] = [];
      for (const m of hit ? ehrs.all(text, from) : none) {
        if (!ehrNames.includes(m.term)) ehrNames.push(m.term);
        note(m.index, m.length);
      }
      const uses_x12 = x12 || seenSets.length > 0;
      const uses_clearinghouse = clearinghouse || houseNames.length > 0;
      const flags = (uses_x12 ? 1 : 0) + (uses_clearinghouse ? 1 : 0) + (fhir ? 1 : 0) + (hl7 ? 1 : 0);
      return {
        uses_x12,
        x12_transaction_sets: seenSets.sort(),
        uses_clearinghouse,
        clearinghouses: houseNames.sort(),
        uses_fhir: fhir,
        uses_hl7: hl7,
        ehrs: ehrNames.sort(),
        techstack_confidence: techConfidence(flags, evidence.length, text.length),
        techstack_evidence: evidence,
      };
    },
  };
}

/**
 * A found signal is good evidence (more so with several); finding nothing in a long description is fair
 * evidence of absence, in a short or empty one it is little evidence at all. The rules provider never
 * claims more than 0.9: it reads only the export's text.
 */
export function techConfidence(flags: number, evidence: number, textLength: number): number {
  if (flags > 0) return round2(Math.min(0.9, 0.6 + 0.08 * flags + 0.02 * evidence));
  if (textLength === 0) return 0.1;
  if (textLength < 150) return 0.3;
  return round2(Math.min(0.7, 0.45 + textLength / 8000));
}

export const round2 = (x: number) => Math.round(x * 100) / 100;
