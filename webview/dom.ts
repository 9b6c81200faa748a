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

/** Roving focus in a group (graph nodes, timeline strips): only one item is in the Tab order;
 *  arrows, Home and End move focus within the group. True when the key was handled. */
export function moveFocus(items: readonly Element[], current: Element, key: string): boolean {
  const i = items.indexOf(current);
  if (i < 0) return false;
  let j: number;
  switch (key) {
    case 'ArrowDown': case 'ArrowRight': j = Math.min(items.length - 1, i + 1); break;
    case 'ArrowUp': case 'ArrowLeft': j = Math.max(0, i - 1); break;
    case 'Home': j = 0; break;
    case 'End': j = items.length - 1; break;
    default: return false;
  }
  current.setAttribute('tabindex', '-1');
  items[j].setAttribute('tabindex', '0');
  (items[j] as HTMLElement | SVGElement).focus();
  return true;
}
