/** Registers the kubefedctl-style federation commands on the edgefed CLI. */
import type { Command } from 'commander';
import { registerDisable } from './disable.js';
import { registerEnable } from './enable.js';
import { registerFederate } from './federate.js';
import { registerGenerate } from './generate.js';

export function registerFederationCommands(program: Command): void {
  registerEnable(program);
  registerDisable(program);
  registerFederate(program);
  registerGenerate(program);
}
