import type { ChatRequest, ModelMiddleware, Provider } from '@victor-ai/core';
import { invalidOption } from '@victor-ai/core';
import { wrapProvider } from '@victor-ai/middleware';

/** Options of a `ProviderCoordinator`. */
export interface ProviderCoordinatorOptions {
  /** The providers by name. */
  providers: Readonly<Record<string, Provider>>;
  /** The provider used unless switched or routed; default the first one. */
  defaultProvider?: string;
  /** The model used unless switched or routed. */
  model: string;
  /** Model middleware, applied to every provider (wrapped once per provider, on first use). */
  modelMiddleware?: readonly ModelMiddleware[];
  /** Picks a provider (and optionally a model) per request; the current one when it returns undefined. */
  route?:
    | ((request: ChatRequest) => { provider: string; model?: string | undefined } | undefined)
    | undefined;
}

/** The provider and model one request goes to. */
export interface ProviderChoice {
  name: string;
  provider: Provider;
  model: string;
}

/** Knows the providers, the current provider and model, switches between them and routes requests. */
export class ProviderCoordinator {
  private readonly providers: Readonly<Record<string, Provider>>;
  private readonly middleware: readonly ModelMiddleware[];
  private readonly route: ProviderCoordinatorOptions['route'];
  private readonly wrapped = new Map<string, Provider>();
  private current: ProviderChoice;

  constructor(options: ProviderCoordinatorOptions) {
    const names = Object.keys(options.providers ?? {});
    if (names.length === 0) throw invalidOption('providers', 'at least one provider', options.providers);
    const name = options.defaultProvider ?? names[0]!;
    if (!names.includes(name)) throw invalidOption('defaultProvider', `one of ${names.join(', ')}`, name);
    this.providers = options.providers;
    this.middleware = options.modelMiddleware ?? [];
    this.route = options.route;
    this.current = { name, provider: this.provider(name), model: options.model };
  }

  /** The current provider and model. */
  get choice(): ProviderChoice {
    return this.current;
  }

  /** Switches the current provider, and the model when given. */
  switchTo(name: string, model?: string): void {
    if (!(name in this.providers))
      throw invalidOption('provider', `one of ${Object.keys(this.providers).join(', ')}`, name);
    this.current = { name, provider: this.provider(name), model: model ?? this.current.model };
  }

  /** The provider and model for a request: the router's choice when it makes one, else the current. */
  resolve(request: ChatRequest): ProviderChoice {
    if (this.route === undefined) return this.current;
    const routed = this.route(request);
    if (routed === undefined) return this.current;
    if (!(routed.provider in this.providers)) {
      throw invalidOption('route()', `one of ${Object.keys(this.providers).join(', ')}`, routed.provider);
    }
    return {
      name: routed.provider,
      provider: this.provider(routed.provider),
      model: routed.model ?? this.current.model,
    };
  }

  /** Closes every provider. */
  async close(): Promise<void> {
    await Promise.allSettled(Object.values(this.providers).map((provider) => provider.close()));
  }

  private provider(name: string): Provider {
    let provider = this.wrapped.get(name);
    if (provider === undefined) {
      const raw = this.providers[name]!;
      provider = this.middleware.length === 0 ? raw : wrapProvider(raw, this.middleware);
      this.wrapped.set(name, provider);
    }
    return provider;
  }
}
