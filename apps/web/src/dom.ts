/**
 * A tiny element builder. Text always goes in through `textContent` / text
 * nodes, never `innerHTML`: device names are user input.
 */
export interface ElementProps {
  readonly className?: string;
  readonly text?: string;
  readonly attrs?: Readonly<Record<string, string>>;
}

/** Creates `<tag>` with a class, text, attributes and children (strings become text nodes). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: ReadonlyArray<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.attrs) for (const [name, value] of Object.entries(props.attrs)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

/** Sets `textContent` only when it changes, so screen readers and selection are not disturbed every poll. */
export function setText(node: Node, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

/** A `<button type="button">`. */
export function button(label: string, onClick: (ev: MouseEvent) => void, className = 'button'): HTMLButtonElement {
  const node = el('button', { className, text: label, attrs: { type: 'button' } });
  node.addEventListener('click', onClick);
  return node;
}
