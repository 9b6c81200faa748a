// Tiny DOM helpers. Text is only ever set with textContent: nothing here parses HTML.

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function append(parent: Element, ...children: (Node | null | undefined | false)[]): void {
  for (const c of children) if (c) parent.appendChild(c);
}

export function clear(e: Element): void {
  while (e.firstChild) e.removeChild(e.firstChild);
}

/** A "term: value" pair for a description list. */
export function field(dl: HTMLDListElement, term: string, value: string, title?: string, className?: string): HTMLElement {
  const dd = el('dd', className, value);
  if (title) dd.title = title;
  append(dl, el('dt', undefined, term), dd);
  return dd;
}
