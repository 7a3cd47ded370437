import type {IcpRules} from '../../schemas/icp-rules.js';
import {compileTerms, snippet, type TermMatcher} from './terms.js';

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
  const signals: TermMatcher = compileTerms([
    {name: 'x12', patterns: rules.x12},
    {name: 'fhir', patterns: rules.fhir},
    {name: 'hl7', patterns: rules.hl7},
    {name: 'clearinghouse', patterns: ['clearing ?houses?']},
  ]);
  const codes = Object.keys(rules.transaction_sets);
  const sets = compileTerms(codes.map((c) => ({name: c, patterns: [`${c}[PID]?`]})));
  const houses = compileTerms(rules.clearinghouses);
  const ehrs = compileTerms(rules.ehrs);
  const chars = rules.evidence_chars;

  return {
    detect(text: string): TechStack {
      const evidence: string[] = [];
      const note = (index: number, length: number) => {
        if (evidence.length < MAX_EVIDENCE) {
          const s = snippet(text, index, length, chars);
          if (!evidence.includes(s)) evidence.push(s);
        }
      };
      const kinds = new Set<string>();
      for (const m of signals.all(text)) {
        kinds.add(m.term);
        note(m.index, m.length);
      }
      const seenSets = new Set<string>();
      for (const m of sets.all(text)) {
        const around = text.slice(Math.max(0, m.index - 40), m.index + m.length + 40);
        if (SET_CONTEXT.test(around)) {
          seenSets.add(m.term);
          note(m.index, m.length);
        }
      }
      const houseNames = new Set<string>();
      for (const m of houses.all(text)) {
        houseNames.add(m.term);
        note(m.index, m.length);
      }
      const ehrNames = new Set<string>();
      for (const m of ehrs.all(text)) {
        ehrNames.add(m.term);
        note(m.index, m.length);
      }
      const uses_x12 = kinds.has('x12') || seenSets.size > 0;
      const uses_clearinghouse = kinds.has('clearinghouse') || houseNames.size > 0;
      const flags = [uses_x12, uses_clearinghouse, kinds.has('fhir'), kinds.has('hl7')].filter(Boolean).length;
      return {
        uses_x12,
        x12_transaction_sets: [...seenSets].sort(),
        uses_clearinghouse,
        clearinghouses: [...houseNames].sort(),
        uses_fhir: kinds.has('fhir'),
        uses_hl7: kinds.has('hl7'),
        ehrs: [...ehrNames].sort(),
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
