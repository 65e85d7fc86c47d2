/** Which languages exist, and how to pick one from what the browser prefers. Pure: Node can test it. */
import type { Catalog } from './catalog.js';
import { en } from './en.js';
import { zhCN } from './zh-CN.js';

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

export const CATALOGS: { readonly [L in Locale]: Catalog } = { en, 'zh-CN': zhCN };

/** Each language named in itself, so a person can find theirs whatever the current language is. */
export const LOCALE_NAMES: { readonly [L in Locale]: string } = { en: 'English', 'zh-CN': '简体中文' };

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/**
 * The first of the browser's preferred languages we have, in the person's order; English otherwise.
 * Every Chinese tag (zh, zh-CN, zh-Hans, zh-TW, zh-HK) gets Simplified Chinese: the only Chinese we
 * ship, and far easier for a Traditional reader than English would be.
 */
export function pickLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const language = tag.toLowerCase().split('-')[0];
    if (language === 'zh') return 'zh-CN';
    if (language === 'en') return 'en';
  }
  return 'en';
}
