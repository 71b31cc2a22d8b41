import { parse, type Node } from 'acorn';

/**
 * The free identifiers of a function's source: the names it reads or
 * writes that it does not declare itself (params, `var`/`let`/`const`,
 * functions, classes, catch params) — the values it captures from the
 * enclosing scope. The source is parsed with acorn as an expression
 * (`(source)`), or as an object literal member (`({source})`) for a method;
 * a TypeScript function arrives here compiled to JavaScript (tsx, tslab).
 *
 * The scope walk is hand-written: acorn gives the syntax tree only, and none
 * of the kept libraries resolves scopes. Declarations are hoisted to the
 * start of the block or function that holds them, which is all a capture
 * list needs (a temporal dead zone does not change what is captured).
 */

/** The names a function captures. */
export interface Captures {
  /** The free identifiers, sorted. */
  readonly names: readonly string[];
  /** Per free identifier read as `name.property`, the property names (sorted): what a captured import binding must export. */
  readonly members: Readonly<Record<string, readonly string[]>>;
}

/** The free identifiers of `source`, or the parse error's message when it does not parse. */
export function freeIdentifiers(source: string): Captures | { readonly error: string } {
  let ast: Node;
  try {
    ast = parseFunction(source);
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  const free = new Set<string>();
  visit(ast, [new Set()], free);
  const members = new Map<string, Set<string>>();
  collectMembers(ast, free, members);
  return { names: [...free].sort(), members: Object.fromEntries([...members].map(([name, props]) => [name, [...props].sort()])) };
}

/** `name.property` reads (not computed) of the free names. A local that shadows a free name is not told apart: its reads only add names to check. */
function collectMembers(node: unknown, free: ReadonlySet<string>, members: Map<string, Set<string>>): void {
  if (Array.isArray(node)) {
    for (const n of node) collectMembers(n, free, members);
    return;
  }
  if (!isNode(node)) return;
  if (node.type === 'MemberExpression' && !node.computed && node.object.type === 'Identifier' && node.property.type === 'Identifier' && free.has(node.object.name)) {
    const props = members.get(node.object.name) ?? new Set<string>();
    props.add(node.property.name);
    members.set(node.object.name, props);
  }
  for (const key of Object.keys(node)) if (key !== 'type' && key !== 'start' && key !== 'end' && key !== 'loc') collectMembers(node[key], free, members);
}

const OPTIONS = { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true } as const;

function parseFunction(source: string): Node {
  try {
    return parse(`(${source})`, OPTIONS);
  } catch (asExpression) {
    try {
      return parse(`({${source}})`, OPTIONS);
    } catch {
      throw asExpression;
    }
  }
}

type Scope = Set<string>;
type AnyNode = Node & Record<string, any>;

function isNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function isDeclared(name: string, scopes: readonly Scope[]): boolean {
  for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i].has(name)) return true;
  return false;
}

/** Adds the names a binding pattern declares. */
function declarePattern(pattern: AnyNode | null | undefined, scope: Scope): void {
  if (!pattern) return;
  switch (pattern.type) {
    case 'Identifier':
      scope.add(pattern.name);
      break;
    case 'ObjectPattern':
      for (const p of pattern.properties) declarePattern(p.type === 'RestElement' ? p.argument : p.value, scope);
      break;
    case 'ArrayPattern':
      for (const e of pattern.elements) declarePattern(e, scope);
      break;
    case 'AssignmentPattern':
      declarePattern(pattern.left, scope);
      break;
    case 'RestElement':
      declarePattern(pattern.argument, scope);
      break;
  }
}

/** Visits the expressions inside a binding pattern (defaults, computed keys) without counting its names as reads. */
function visitPattern(pattern: AnyNode | null | undefined, scopes: Scope[], free: Set<string>): void {
  if (!pattern) return;
  switch (pattern.type) {
    case 'Identifier':
      return;
    case 'ObjectPattern':
      for (const p of pattern.properties) {
        if (p.type === 'RestElement') visitPattern(p.argument, scopes, free);
        else {
          if (p.computed) visit(p.key, scopes, free);
          visitPattern(p.value, scopes, free);
        }
      }
      return;
    case 'ArrayPattern':
      for (const e of pattern.elements) visitPattern(e, scopes, free);
      return;
    case 'AssignmentPattern':
      visitPattern(pattern.left, scopes, free);
      visit(pattern.right, scopes, free);
      return;
    case 'RestElement':
      visitPattern(pattern.argument, scopes, free);
      return;
    default:
      // A member expression as an assignment target (`a.b = 1`, `for (x.y of z)`).
      visit(pattern, scopes, free);
  }
}

/** An assignment target: the names it assigns are references to outer bindings, unlike a declaration's. */
function assignPattern(pattern: AnyNode | null | undefined, scopes: Scope[], free: Set<string>): void {
  const names: Scope = new Set();
  declarePattern(pattern, names);
  for (const name of names) if (!isDeclared(name, scopes)) free.add(name);
  visitPattern(pattern, scopes, free);
}

/** Declarations of a statement list that belong to its block: `let`, `const`, `class`, and functions. */
function hoistBlock(body: readonly AnyNode[], scope: Scope): void {
  for (const statement of body) {
    const declaration = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement;
    if (!declaration) continue;
    if (declaration.type === 'VariableDeclaration' && declaration.kind !== 'var') for (const d of declaration.declarations) declarePattern(d.id, scope);
    else if ((declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration') && declaration.id) scope.add(declaration.id.name);
  }
}

/** `var` declarations anywhere in a function body, not inside nested functions. */
function hoistVars(node: unknown, scope: Scope): void {
  if (Array.isArray(node)) {
    for (const n of node) hoistVars(n, scope);
    return;
  }
  if (!isNode(node)) return;
  if (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression') return;
  if (node.type === 'VariableDeclaration' && node.kind === 'var') for (const d of node.declarations) declarePattern(d.id, scope);
  for (const key of Object.keys(node)) if (key !== 'type') hoistVars(node[key], scope);
}

function visitFunction(fn: AnyNode, scopes: Scope[], free: Set<string>): void {
  const scope: Scope = new Set();
  if (fn.type === 'FunctionExpression' && fn.id) scope.add(fn.id.name);
  if (fn.type !== 'ArrowFunctionExpression') scope.add('arguments');
  for (const param of fn.params) declarePattern(param, scope);
  const inner = [...scopes, scope];
  for (const param of fn.params) visitPattern(param, inner, free);
  if (fn.body.type === 'BlockStatement') {
    hoistVars(fn.body.body, scope);
    hoistBlock(fn.body.body, scope);
    for (const statement of fn.body.body) visit(statement, inner, free);
  } else visit(fn.body, inner, free);
}

function visit(node: unknown, scopes: Scope[], free: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) visit(n, scopes, free);
    return;
  }
  if (!isNode(node)) return;
  switch (node.type) {
    case 'Identifier':
      if (!isDeclared(node.name, scopes)) free.add(node.name);
      return;
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      visitFunction(node, scopes, free);
      return;
    case 'ClassDeclaration':
    case 'ClassExpression': {
      const scope: Scope = new Set(node.id ? [node.id.name] : []);
      visit(node.superClass, scopes, free);
      visit(node.body, [...scopes, scope], free);
      return;
    }
    case 'MethodDefinition':
    case 'PropertyDefinition':
    case 'Property':
      // A key is a name, not a read, unless computed; a shorthand `{ a }` reads `a` through its value.
      if (node.computed) visit(node.key, scopes, free);
      visit(node.value, scopes, free);
      return;
    case 'MemberExpression':
      visit(node.object, scopes, free);
      if (node.computed) visit(node.property, scopes, free);
      return;
    case 'BlockStatement':
    case 'StaticBlock': {
      const scope: Scope = new Set();
      hoistBlock(node.body, scope);
      for (const statement of node.body) visit(statement, [...scopes, scope], free);
      return;
    }
    case 'VariableDeclaration':
      for (const d of node.declarations) {
        visitPattern(d.id, scopes, free);
        visit(d.init, scopes, free);
      }
      return;
    case 'ForStatement':
    case 'ForInStatement':
    case 'ForOfStatement': {
      const scope: Scope = new Set();
      const head = node.type === 'ForStatement' ? node.init : node.left;
      if (head?.type === 'VariableDeclaration' && head.kind !== 'var') for (const d of head.declarations) declarePattern(d.id, scope);
      const inner = [...scopes, scope];
      if (head?.type === 'VariableDeclaration' || node.type === 'ForStatement') visit(head, inner, free);
      else assignPattern(head, inner, free);
      for (const key of ['test', 'update', 'right', 'body']) visit(node[key], inner, free);
      return;
    }
    case 'AssignmentExpression':
      assignPattern(node.left, scopes, free);
      visit(node.right, scopes, free);
      return;
    case 'CatchClause': {
      const scope: Scope = new Set();
      declarePattern(node.param, scope);
      visitPattern(node.param, [...scopes, scope], free);
      visit(node.body, [...scopes, scope], free);
      return;
    }
    case 'LabeledStatement':
      visit(node.body, scopes, free);
      return;
    case 'BreakStatement':
    case 'ContinueStatement':
    case 'MetaProperty':
      return;
    default:
      for (const key of Object.keys(node)) if (key !== 'type' && key !== 'start' && key !== 'end' && key !== 'loc') visit(node[key], scopes, free);
  }
}
