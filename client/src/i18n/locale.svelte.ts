/**
 * The current language as reactive state: picked from the browser the first time, switchable in the
 * UI, remembered in localStorage. Components that call `t()` re-render when it changes.
 */
import { isLocale, LOCALES, pickLocale, type Locale } from './locales.js';

const STORAGE_KEY = 'shouwang.locale';

function remembered(): Locale | null {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return isLocale(stored) ? stored : null;
  } catch {
    return null; // storage disabled (private mode, sandboxed iframe)
  }
}

function fromBrowser(): Locale {
  if (typeof navigator === 'undefined') return 'en';
  return pickLocale(navigator.languages?.length ? navigator.languages : [navigator.language]);
}

class LocaleState {
  current = $state<Locale>(remembered() ?? fromBrowser());
  readonly available = LOCALES;

  constructor() {
    this.#applyToDocument();
  }

  /** Switches the UI language and remembers the choice on this browser. */
  set(locale: Locale): void {
    this.current = locale;
    try {
      localStorage.setItem(STORAGE_KEY, locale);
    } catch {
      // Not remembering is harmless: the browser's language is picked again next time.
    }
    this.#applyToDocument();
  }

  // <html lang> picks the right CJK glyphs and tells screen readers which voice to use.
  #applyToDocument(): void {
    if (typeof document !== 'undefined') document.documentElement.lang = this.current;
  }
}

export const locale = new LocaleState();
