'use client';
import { useEffect, useRef, type RefObject } from 'react';

/** A dialog's manners: the focus goes into it as it opens, and Escape closes it. Put the ref on the dialog (tabIndex -1). */
export function useDialog(onClose: () => void): RefObject<HTMLDivElement | null> {
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => dialog.current?.focus(), []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return dialog;
}
