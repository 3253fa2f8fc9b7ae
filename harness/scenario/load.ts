// Scenario files in, a resolved Scenario out, or a ScenarioError listing every problem
// with its file, line, column and path. Three passes over the same document: YAML syntax
// (stops here on failure: nothing after it would be trustworthy), the JSON Schema editors
// use, then the cross-references. The last two both run, so one pass shows all errors.
import { readFileSync } from 'node:fs';
import { isProfileName } from '../profile/profile-names.ts';
import { ScenarioError } from './issues.ts';
import type { DocPath } from './issues.ts';
import type { Scenario, Step } from './types.ts';
import { readYaml } from './yaml-source.ts';
import { scenarioText } from './text.ts';
import { scenarioSchema } from './schema-file.ts';
import { Ctx, list, obj, str } from './resolve/context.ts';
import { resolveHosts, resolveVpcs } from './resolve/topology.ts';
import { resolveEndpoints, resolveServices } from './resolve/endpoints.ts';
import { ProvisionNames, resolveBackendChange, resolveDelete, resolveMove, resolveProvision } from './resolve/steps.ts';
import { resolveSend } from './resolve/send.ts';
import { World } from './resolve/world.ts';
import {
  resolveCreateNetwork,
  resolveCreateService,
  resolveCreateVpc,
  resolveDeleteNetwork,
  resolveDeleteService,
  resolveDeleteVpc,
  resolveFailHost,
  resolveSetBouncers,
  resolveSetDividers,
} from './resolve/shape-steps.ts';
import { resolveInject, resolveOpenFlows } from './resolve/inject-flows.ts';
import { resolveAssertions, resolveInvariants } from './resolve/assertions.ts';

export { IssueList, MAX_ISSUES, ScenarioError, formatIssue } from './issues.ts';
export type { Issue } from './issues.ts';
export type * from './types.ts';

/** A file-system error in words, never an errno or the file's bytes. */
function readProblem(e: unknown): string {
  switch ((e as { code?: unknown } | null)?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a folder (give the folder itself to run every .yaml in it)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'EIO':
      return 'an input/output error on the device';
    default:
      return 'cannot be read';
  }
}

export function loadScenario(path: string): Scenario {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ScenarioError([{ file: path, line: 1, column: 1, path: '(file)', message: readProblem(e) }]);
  }
  const t = scenarioText(bytes);
  if (!t.ok)
    throw new ScenarioError([{ file: path, line: t.problem.line, column: t.problem.column, path: '(file)', message: t.problem.message }]);
  return parseScenario(t.text, path);
}

export function parseScenario(text: string, fileName: string): Scenario {
  const yaml = readYaml(text, fileName);
  if (!yaml.ok) throw new ScenarioError(yaml.issues);
  const ctx = new Ctx(fileName, yaml.source);
  for (const issue of scenarioSchema().validate(yaml.source.value)) ctx.error(issue.path, issue.message, issue.key);
  const doc = obj(yaml.source.value) ?? {};
  const hosts = resolveHosts(ctx, doc.hosts);
  const vpcs = resolveVpcs(ctx, doc.vpcs, hosts);
  const world = new World(ctx, hosts, vpcs);
  const endpoints = resolveEndpoints(world, doc.endpoints);
  const services = resolveServices(world, doc.services);
  // The VPCs created before the first step (createVpc steps declare more in the same table).
  const initialVpcs = vpcs.values().flatMap((v) => (v.vpc === null ? [] : [v.vpc]));
  // Assertions name endpoints that may be provisioned by a step: resolved after the steps.
  const steps = resolveSteps(world, doc.steps);
  const assertions = resolveAssertions(world, doc.assertions);
  const inv = resolveInvariants(ctx, doc.invariants);
  if (ctx.issues.length > 0) throw new ScenarioError(ctx.issues);
  return {
    file: fileName,
    name: str(doc.name) ?? '',
    description: str(doc.description) ?? '',
    hosts: hosts.values(),
    vpcs: initialVpcs,
    endpoints,
    services,
    steps,
    invariants: inv.invariants,
    ...(inv.exhaustive ? { exhaustive: true } : {}),
    ...(inv.pairs !== undefined ? { pairs: inv.pairs } : {}),
    ...(assertions.length > 0 ? { assertions } : {}),
    ...(typeof doc.optionClass === 'number' ? { optionClass: doc.optionClass } : {}),
    ...(typeof doc.profile === 'string' && isProfileName(doc.profile) ? { profile: { name: doc.profile, at: ctx.at(['profile']) } } : {}),
  };
}

function resolveSteps(world: World, raw: unknown): Step[] {
  const out: Step[] = [];
  const names = new ProvisionNames();
  const sendNames = new Map<string, DocPath>();
  let sends = 0;
  list(raw).forEach((item, i) => {
    const step = obj(item);
    // The schema demands exactly one key; with more, none is trusted (it reported why).
    const keys = step === undefined ? [] : Object.keys(step);
    if (step === undefined || keys.length !== 1) return;
    const kind = keys[0];
    const path: DocPath = ['steps', i, kind];
    const at = world.ctx.at(['steps', i]);
    const body = step[kind];
    const fields = obj(body) ?? {};
    let resolved: Step | undefined;
    switch (kind) {
      case 'provision':
        resolved = resolveProvision(world, names, fields, path, at);
        break;
      case 'delete':
        resolved = resolveDelete(world, body, path, at);
        break;
      case 'move':
        resolved = resolveMove(world, fields, path, at);
        break;
      case 'addBackend':
      case 'removeBackend':
        resolved = resolveBackendChange(world, kind, fields, path, at);
        break;
      case 'createVpc':
        resolved = resolveCreateVpc(world, fields, path, at);
        break;
      case 'deleteVpc':
        resolved = resolveDeleteVpc(world, body, path, at);
        break;
      case 'createNetwork':
        resolved = resolveCreateNetwork(world, fields, path, at);
        break;
      case 'deleteNetwork':
        resolved = resolveDeleteNetwork(world, fields, path, at);
        break;
      case 'createService':
        resolved = resolveCreateService(world, fields, path, at);
        break;
      case 'deleteService':
        resolved = resolveDeleteService(world, body, path, at);
        break;
      case 'failHost':
        resolved = resolveFailHost(world, body, path, at);
        break;
      case 'setBouncers':
        resolved = resolveSetBouncers(world, fields, path, at);
        break;
      case 'setDividers':
        resolved = resolveSetDividers(world, fields, path, at);
        break;
      case 'openFlows':
        resolved = resolveOpenFlows(world, fields, path, at);
        break;
      case 'inject':
        resolved = resolveInject(world, fields, path, at);
        break;
      case 'send': {
        resolved = resolveSend(world, fields, path, at, sends++);
        const given = str(fields.name);
        if (given !== undefined) {
          const first = sendNames.get(given);
          if (first !== undefined)
            world.ctx.error([...path, 'name'], `duplicate send name '${given}' (first at ${world.ctx.where(first)})`);
          else sendNames.set(given, [...path, 'name']);
        }
        break;
      }
      default:
        return; // unknown step kind: the schema reported it
    }
    if (resolved !== undefined) out.push(resolved);
  });
  return out;
}
