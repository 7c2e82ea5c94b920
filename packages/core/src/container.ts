import "reflect-metadata";
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from "tsyringe";
import type { Token } from "./tokens.js";

/** How a token is provided. */
export type Provider<T> =
  | { useValue: T }
  | { useFactory: (c: Container) => T; /** Cache the first value in the registering container (default true). */ singleton?: boolean };

/**
 * The small DI port adapters see. Backed by tsyringe child containers; nothing is ever registered
 * on tsyringe's global container. One child per runtime, one child per flow run.
 */
export interface Container {
  register<T>(token: Token<T>, provider: Provider<T>): this;
  resolve<T>(token: Token<T>): T;
  tryResolve<T>(token: Token<T>): T | undefined;
  isRegistered<T>(token: Token<T>, recursive?: boolean): boolean;
  createChild(): Container;
}

class TsyringeContainer implements Container {
  readonly #c: DependencyContainer;
  constructor(c: DependencyContainer) {
    this.#c = c;
  }
  register<T>(token: Token<T>, provider: Provider<T>): this {
    if ("useValue" in provider) {
      this.#c.register<T>(token.key, { useValue: provider.useValue });
    } else {
      const self = this;
      const factory = (_: DependencyContainer) => provider.useFactory(self);
      this.#c.register<T>(token.key, { useFactory: provider.singleton === false ? factory : instanceCachingFactory(factory) });
    }
    return this;
  }
  resolve<T>(token: Token<T>): T {
    if (!this.#c.isRegistered(token.key, true)) {
      throw new Error(`Nothing registered for token ${token.description}`);
    }
    return this.#c.resolve<T>(token.key);
  }
  tryResolve<T>(token: Token<T>): T | undefined {
    return this.#c.isRegistered(token.key, true) ? this.#c.resolve<T>(token.key) : undefined;
  }
  isRegistered<T>(token: Token<T>, recursive = true): boolean {
    return this.#c.isRegistered(token.key, recursive);
  }
  createChild(): Container {
    return new TsyringeContainer(this.#c.createChildContainer());
  }
}

/** A fresh container (a child of tsyringe's root, so the global one is never written). */
export function createContainer(): Container {
  return new TsyringeContainer(rootContainer.createChildContainer());
}
