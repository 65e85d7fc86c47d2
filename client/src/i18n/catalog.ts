/**
 * The types every catalog shares and the pure formatting step. No Svelte runes here, so the catalog
 * test can load this file in Node.
 */
import { en } from './en.js';

export type MessageKey = keyof typeof en;

/** A language's strings: exactly English's keys, no more, no fewer (a TypeScript error otherwise). */
export type Catalog = { readonly [K in MessageKey]: string };

/** The `{name}` placeholders of one template string, as a union of names. */
type PlaceholdersOf<S extends string> = S extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PlaceholdersOf<Rest>
  : never;

/** The parameters a key takes, read from its English text. */
export type ParamsOf<K extends MessageKey> = PlaceholdersOf<(typeof en)[K]>;

/** Keys whose text has no placeholders (e.g. words used as parameters of other messages). */
export type PlainKey = { [K in MessageKey]: [ParamsOf<K>] extends [never] ? K : never }[MessageKey];

/**
 * A parameter is a plain value (a name, a number, a server's reason) or another message, translated
 * in the same language (e.g. `{device}` -> "camera" / "摄像头").
 */
export type ParamValue = string | number | Message;

/** The rest arguments of `t()` / `message()`: none for a key without placeholders, else all of them. */
export type ArgsOf<K extends MessageKey> = [ParamsOf<K>] extends [never]
  ? []
  : [params: { readonly [P in ParamsOf<K>]: ParamValue }];

/**
 * Text to show later, kept as a key and parameters rather than a string, so it follows the language:
 * state holds `Message`s (errors, notices) and components render them with `translate()`.
 */
export interface Message {
  readonly key: MessageKey;
  readonly params?: { readonly [name: string]: ParamValue };
}

const PLACEHOLDER = /\{(\w+)\}/g;

/**
 * `text` in the language of `catalog`, placeholders filled (nested messages in the same language).
 * An unknown placeholder stays visible rather than vanishing.
 */
export function render(catalog: Catalog, text: Message): string {
  const template = catalog[text.key];
  const params = text.params;
  if (!params) return template;
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'object' ? render(catalog, value) : String(value);
  });
}

/** The placeholder names of a template (the catalog test compares them across languages). */
export function placeholdersIn(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] as string).sort();
}
