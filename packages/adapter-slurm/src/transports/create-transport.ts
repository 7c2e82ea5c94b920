import type { Logger } from "@latticework/core";
import type { ResolvedSlurmOptions } from "../options.js";
import type { SlurmTransport } from "./slurm-transport.js";
import { LocalTransport } from "./local-transport.js";
import type { PromptHandler } from "./ssh-transport.js";

/** Non-JSON parts of transport set-up. */
export interface TransportHooks {
  /** Answers keyboard-interactive (MFA) prompts; asked once per connection. */
  onPrompt?: PromptHandler;
  logger?: Logger;
}

/** LocalTransport, or SshTransport when `options.ssh` is set (ssh2 is loaded only then). */
export async function createTransport(options: ResolvedSlurmOptions, hooks: TransportHooks = {}): Promise<SlurmTransport> {
  if (!options.ssh) return new LocalTransport({ env: options.commandEnv });
  const { SshTransport } = await import("./ssh-transport.js");
  return new SshTransport(options.ssh, hooks);
}
