import type {IcpRules} from '../../schemas/icp-rules.js';
import type {CompanyKind, TechstackBasis} from '../vocabulary.js';
import {phrasesOf, type Hits, type PhraseList} from './phrases.js';
import {compileTerms, snippet, type TermMatch, type TermMatcher} from './terms.js';

export interface TechStack {
  uses_x12: boolean;
  x12_transaction_sets: string[];
  uses_clearinghouse: boolean;
  clearinghouses: string[];
  uses_fhir: boolean;
  uses_hl7: boolean;
  ehrs: string[];
  techstack_basis: TechstackBasis;
  techstack_confidence: number;
  techstack_evidence: string[];
}

/** Words near a bare 3-digit code that make it an X12 transaction set rather than any number. */
const SET_CONTEXT = /x12|edi|transaction|eligib|claim|remit|authori[sz]|status|enrol|payment|\b\d{3}[pid]?\s*[/&,]\s*\d{3}\b/i;
/** The remittance, in capitals ("a new era" is not one). */
const ERA_CONTEXT = /\bERAs?\b/;
const MAX_EVIDENCE = 6;
/** Kinds whose text about claims or eligibility is not about healthcare transactions. */
const NOT_HEALTHCARE: ReadonlySet<CompanyKind> = new Set(['non_healthcare']);

export const transactionTag = (i: number) => `tech:transaction:${i}`;
export const CLEARINGHOUSE_USE_TAG = 'tech:clearinghouse_use';
export const inferredTag = (i: number, list: 'requires' | 'unless') => `tech:inferred:${i}:${list}`;

/** The phrase lists the detector reads, tagged for the rules' scanner. */
export function techPhraseLists(rules: IcpRules['techstack']): PhraseList[] {
  return [
    ...rules.transactions.map((t, i) => ({tag: transactionTag(i), phrases: t.phrases})),
    {tag: CLEARINGHOUSE_USE_TAG, phrases: rules.clearinghouse_use},
    ...rules.inferred.flatMap((r, i) => [
      {tag: inferredTag(i, 'requires'), phrases: r.requires},
      {tag: inferredTag(i, 'unless'), phrases: r.unless},
    ]),
  ];
}

export interface TechStackDetector {
  /**
   * `text`: name + description; `kind`: the company's kind and the words it was classified on; `hits`: the
   * rules' phrase scan of `text` (it must include techPhraseLists).
   */
  detect(text: string, kind: CompanyKind, kindWords: readonly string[], hits: Hits): TechStack;
}

/**
 * Detects X12 EDI (and its transaction sets), clearinghouse use, FHIR, HL7 and EHRs in free text (stated), and
 * infers them from the company kind where the text is silent (techstack.inferred of icp_rules.yml).
 * Long on purpose: a factory whose detect closes over the matchers and tags compiled once here; detect runs once
 * per company and its steps (stated signals, sets, clearinghouses, EHRs, inferred) share its evidence and flags.
 */
export function compileTechStack(rules: IcpRules['techstack']): TechStackDetector {
  const signalTerms = [
    {name: 'x12', patterns: rules.x12},
    {name: 'fhir', patterns: rules.fhir},
    {name: 'hl7', patterns: rules.hl7},
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
  const transactionTags = rules.transactions.map((_, i) => transactionTag(i));
  const inferredTags = rules.inferred.map((_, i) => ({requires: inferredTag(i, 'requires'), unless: inferredTag(i, 'unless')}));

  return {
    // Long on purpose (see above): once per company, its steps share evidence/note and the flags they set.
    detect(text: string, kind: CompanyKind, kindWords: readonly string[], hits: Hits): TechStack {
      const evidence: string[] = [];
      const note = (index: number, length: number) => {
        if (evidence.length < MAX_EVIDENCE) {
          const s = snippet(text, index, length, chars);
          if (!evidence.includes(s)) evidence.push(s);
        }
      };
      const competitor = kind === 'edi_vendor';
      // No list matches before the first match of the four together (-1: none anywhere).
      const from = any === null ? 0 : any.first(text);
      const hit = from !== -1;
      let x12 = false;
      let fhir = false;
      let hl7 = false;
      for (const m of hit ? signals.all(text, from) : none) {
        if (m.term === 'x12') x12 = true;
        else if (m.term === 'fhir') fhir = true;
        else hl7 = true;
        note(m.index, m.length);
      }
      // Small lists (a few names at most): arrays with includes, sorted at the end (same as sorted sets).
      const seenSets: string[] = [];
      for (const m of hit ? sets.all(text, from) : none) {
        const around = text.slice(Math.max(0, m.index - 40), m.index + m.length + 40);
        if (SET_CONTEXT.test(around) || ERA_CONTEXT.test(around)) {
          if (!seenSets.includes(m.term)) seenSets.push(m.term);
          note(m.index, m.length);
        }
      }
      // Transactions named in words count in a healthcare context only.
      if (!NOT_HEALTHCARE.has(kind)) {
        rules.transactions.forEach((t, i) => {
          for (const h of hits.of(transactionTags[i])) {
            x12 = true;
            for (const code of t.sets) if (!seenSets.includes(code)) seenSets.push(code);
            note(h.index, h.length);
          }
        });
      }
      const houseNames: string[] = [];
      let clearinghouse = false;
      if (!competitor) {
        for (const m of hit ? houses.all(text, from) : none) {
          if (!houseNames.includes(m.term)) houseNames.push(m.term);
          note(m.index, m.length);
        }
        for (const h of hits.of(CLEARINGHOUSE_USE_TAG)) {
          clearinghouse = true;
          note(h.index, h.length);
        }
      }
      const ehrNames: string[] = [];
      for (const m of hit ? ehrs.all(text, from) : none) {
        if (!ehrNames.includes(m.term)) ehrNames.push(m.term);
        note(m.index, m.length);
      }
      const stated = {x12: x12 || seenSets.length > 0, clearinghouse: clearinghouse || houseNames.length > 0, fhir, hl7};
      const flags = {...stated};
      // Inferred: what the kind implies where the text is silent.
      const inferred: string[] = [];
      rules.inferred.forEach((r, i) => {
        if (r.kind !== kind) return;
        const needs = phrasesOf(hits, inferredTags[i].requires);
        if (r.requires.length > 0 && needs.length === 0) return;
        if (hits.of(inferredTags[i].unless).length > 0) return;
        const added = r.flags.filter((f) => !flags[f] && !(f === 'clearinghouse' && competitor));
        if (added.length === 0) return;
        for (const f of added) flags[f] = true;
        const words = (needs.length > 0 ? needs : kindWords).slice(0, 4);
        inferred.push(`inferred from ${kind}${words.length ? `: ${words.join(', ')}` : ''} (${added.join(', ')})`);
      });
      for (const e of inferred) if (evidence.length < MAX_EVIDENCE + 2) evidence.push(e);
      const statedCount = (stated.x12 ? 1 : 0) + (stated.clearinghouse ? 1 : 0) + (stated.fhir ? 1 : 0) + (stated.hl7 ? 1 : 0);
      const basis: TechstackBasis = statedCount > 0 ? 'stated' : inferred.length > 0 ? 'inferred' : 'none';
      const flagCount = (flags.x12 ? 1 : 0) + (flags.clearinghouse ? 1 : 0) + (flags.fhir ? 1 : 0) + (flags.hl7 ? 1 : 0);
      return {
        uses_x12: flags.x12,
        x12_transaction_sets: seenSets.sort(),
        uses_clearinghouse: flags.clearinghouse,
        clearinghouses: houseNames.sort(),
        uses_fhir: flags.fhir,
        uses_hl7: flags.hl7,
        ehrs: ehrNames.sort(),
        techstack_basis: basis,
        techstack_confidence: techConfidence(statedCount, flagCount - statedCount, evidence.length, text.length),
        techstack_evidence: evidence,
      };
    },
  };
}

/**
 * A stated signal is good evidence (more so with several); an inferred one is medium evidence (what the kind
 * implies); finding nothing in a long description is fair evidence of absence, in a short or empty one it is
 * little evidence at all. The rules provider never claims more than 0.9: it reads only the export's text.
 */
export function techConfidence(stated: number, inferred: number, evidence: number, textLength: number): number {
  if (stated > 0) return round2(Math.min(0.9, 0.6 + 0.08 * stated + 0.02 * evidence));
  if (inferred > 0) return round2(Math.min(0.6, 0.45 + 0.05 * inferred));
  if (textLength === 0) return 0.1;
  if (textLength < 150) return 0.3;
  return round2(Math.min(0.7, 0.45 + textLength / 8000));
}

export const round2 = (x: number) => Math.round(x * 100) / 100;
