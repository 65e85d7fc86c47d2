/** The current location as state. Navigation uses the History API; no router library is needed. */

class Router {
  path = $state(location.pathname);
  search = $state(location.search);

  constructor() {
    window.addEventListener('popstate', () => this.#sync());
  }

  /** Goes to an app path (with optional `?query`) without reloading the page. */
  navigate(to: string): void {
    if (to === location.pathname + location.search) return;
    history.pushState(null, '', to);
    this.#sync();
  }

  #sync(): void {
    this.path = location.pathname;
    this.search = location.search;
  }
}

export const router = new Router();
