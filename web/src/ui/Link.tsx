import type { AnchorHTMLAttributes } from 'react';
import { onLinkClick } from '../lib/router.ts';

export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  return <a {...props} onClick={(event) => (props.onClick?.(event), onLinkClick(event))} />;
}
