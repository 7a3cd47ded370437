import OpenAI from 'openai';
import {zodResponseFormat, zodTextFormat} from 'openai/helpers/zod';
import {parseChatCompletion} from 'openai/lib/parser';
import {parseResponse} from 'openai/lib/ResponsesParser';
import type {OpenAiConfig} from '../../schemas/openai-config.js';
import {chatUrls, responseUrls, type ResponseUrls} from './grounding.js';
import type {Prompt} from './prompt.js';
import {AttemptTimeoutError, OutputError} from '../llm/retry.js';
import {ANSWER_FORMAT_NAME, AnswerSchema, type Answer, type Usage} from './schema.js';

/**
 * One API call for one company, through the openai SDK: the Responses API with the web_search tool and a
 * strict structured output (zodTextFormat), or Chat Completions with a json_schema response format
 * (zodResponseFormat) for servers without the Responses API. The SDK does not retry (maxRetries 0): the
 * provider decides, so it can honour retry-after, count retries and stop on fatal errors.
 *
 * The request is sent with `create` and its answer parsed with the SDK's own parsers (the ones
 * `responses.parse` / `chat.completions.parse` use), so the usage of a billed response whose answer
 * does not parse (invalid JSON, schema mismatch, incomplete) is still counted in the cost.
 */
export type Api = 'responses' | 'chat';

export interface ClientOptions {
  apiKey: string;
  baseURL?: string;
  model: string;
  api: Api;
  timeoutMs: number;
  request: OpenAiConfig['request'];
}

export interface CallSuccess {
  ok: true;
  answer: Answer;
  urls: ResponseUrls;
  usage: Usage;
  responseModel: string;
  responseId: string;
  headers: Headers | undefined;
}

export interface CallFailure {
  ok: false;
  error: unknown;
  /** Usage of a response that arrived but could not be used (billed all the same); null if none arrived. */
  usage: Usage | null;
  webSearchCalls: number;
  headers: Headers | undefined;
}

const ZERO: Usage = {input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0};
const int = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? Math.round(x) : 0);

/** Usage of a Responses API response (zeros for what a compatible server leaves out). */
export function responsesUsage(u: unknown): Usage {
  if (!u || typeof u !== 'object') return {...ZERO};
  const x = u as Record<string, Record<string, unknown> | unknown>;
  return {
    input_tokens: int(x.input_tokens),
    cached_input_tokens: int((x.input_tokens_details as Record<string, unknown> | undefined)?.cached_tokens),
    output_tokens: int(x.output_tokens),
    reasoning_tokens: int((x.output_tokens_details as Record<string, unknown> | undefined)?.reasoning_tokens),
  };
}

/** Usage of a Chat Completions response. */
export function chatUsage(u: unknown): Usage {
  if (!u || typeof u !== 'object') return {...ZERO};
  const x = u as Record<string, unknown>;
  return {
    input_tokens: int(x.prompt_tokens),
    cached_input_tokens: int((x.prompt_tokens_details as Record<string, unknown> | undefined)?.cached_tokens),
    output_tokens: int(x.completion_tokens),
    reasoning_tokens: int((x.completion_tokens_details as Record<string, unknown> | undefined)?.reasoning_tokens),
  };
}

export class OpenAiClient {
  private readonly sdk: OpenAI;
  private readonly textFormat = zodTextFormat(AnswerSchema, ANSWER_FORMAT_NAME);
  private readonly responseFormat = zodResponseFormat(AnswerSchema, ANSWER_FORMAT_NAME);

  constructor(private readonly opts: ClientOptions) {
    this.sdk = new OpenAI({apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 0, timeout: opts.timeoutMs + 1000});
  }

  /** The request options that shape answers (part of the cache key). */
  static requestShape(api: Api, request: OpenAiConfig['request']): unknown {
    return api === 'responses'
      ? {
          tools: [{type: 'web_search', search_context_size: request.search_context_size}],
          tool_choice: request.tool_choice,
          max_tool_calls: request.max_tool_calls,
          max_output_tokens: request.max_output_tokens,
        }
      : {max_completion_tokens: request.max_output_tokens};
  }

  /** The JSON schema sent as the structured output format (part of the cache key). */
  static answerJsonSchema(): unknown {
    return zodTextFormat(AnswerSchema, ANSWER_FORMAT_NAME).schema;
  }

  /**
   * Makes one attempt. Never throws: a failure carries the error (classified by the caller) and the usage
   * of a response that arrived but was unusable. `signal` aborts the attempt (run shutting down).
   */
  async call(prompt: Prompt, signal: AbortSignal): Promise<CallSuccess | CallFailure> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.opts.timeoutMs);
    const onAbort = () => controller.abort();
    if (signal.aborted) controller.abort();
    else signal.addEventListener('abort', onAbort, {once: true});
    try {
      return this.opts.api === 'responses' ? await this.callResponses(prompt, controller.signal) : await this.callChat(prompt, controller.signal);
    } catch (error) {
      const e = timedOut && !signal.aborted ? new AttemptTimeoutError(this.opts.timeoutMs / 1000) : error;
      return {ok: false, error: e, usage: null, webSearchCalls: 0, headers: (error as {headers?: Headers}).headers};
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async callResponses(prompt: Prompt, signal: AbortSignal): Promise<CallSuccess | CallFailure> {
    const r = this.opts.request;
    const body = {
      model: this.opts.model,
      instructions: prompt.instructions,
      input: prompt.input,
      tools: [{type: 'web_search' as const, search_context_size: r.search_context_size}],
      tool_choice: r.tool_choice,
      ...(r.max_tool_calls !== null ? {max_tool_calls: r.max_tool_calls} : {}),
      include: ['web_search_call.action.sources' as const],
      max_output_tokens: r.max_output_tokens,
      store: false,
      text: {format: this.textFormat},
    };
    const {data: raw, response} = await this.sdk.responses.create(body, {signal, maxRetries: 0, timeout: this.opts.timeoutMs + 1000}).withResponse();
    const usage = responsesUsage(raw.usage);
    const urls = responseUrls(raw.output);
    const fail = (error: unknown): CallFailure => ({ok: false, error, usage, webSearchCalls: urls.webSearchCalls, headers: response.headers});
    if (raw.status === 'incomplete')
      return fail(new OutputError('incomplete', `incomplete response (${raw.incomplete_details?.reason ?? 'no reason given'})`));
    if (raw.status === 'failed') return fail(new OutputError('empty', `response failed (${raw.error?.message ?? 'no reason given'})`));
    for (const item of raw.output ?? []) {
      if (item.type !== 'message') continue;
      for (const part of item.content ?? []) if (part.type === 'refusal') return fail(new OutputError('refusal', part.refusal));
    }
    let parsed: Answer | null;
    try {
      parsed = parseResponse(raw, body).output_parsed as Answer | null;
    } catch (e) {
      return fail(e);
    }
    if (!parsed) return fail(new OutputError('empty', 'no answer in the response'));
    return {ok: true, answer: parsed, urls, usage, responseModel: raw.model ?? this.opts.model, responseId: raw.id ?? '', headers: response.headers};
  }

  private async callChat(prompt: Prompt, signal: AbortSignal): Promise<CallSuccess | CallFailure> {
    const body = {
      model: this.opts.model,
      messages: [
        {role: 'system' as const, content: prompt.instructions},
        {role: 'user' as const, content: prompt.input},
      ],
      response_format: this.responseFormat,
      max_completion_tokens: this.opts.request.max_output_tokens,
    };
    const {data: raw, response} = await this.sdk.chat.completions
      .create(body, {signal, maxRetries: 0, timeout: this.opts.timeoutMs + 1000})
      .withResponse();
    const usage = chatUsage(raw.usage);
    const message = raw.choices?.[0]?.message;
    const urls = chatUrls(message);
    const fail = (error: unknown): CallFailure => ({ok: false, error, usage, webSearchCalls: 0, headers: response.headers});
    if (!message) return fail(new OutputError('empty', 'no choices in the response'));
    if (message.refusal) return fail(new OutputError('refusal', message.refusal));
    let parsed: Answer | null;
    try {
      parsed = (parseChatCompletion(raw, body).choices[0]?.message.parsed ?? null) as Answer | null;
    } catch (e) {
      return fail(e);
    }
    if (!parsed) return fail(new OutputError('empty', 'no answer in the response'));
    return {ok: true, answer: parsed, urls, usage, responseModel: raw.model ?? this.opts.model, responseId: raw.id ?? '', headers: response.headers};
  }
}
