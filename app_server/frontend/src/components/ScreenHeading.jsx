// The screen's <h1>. It takes focus when a screen opens (not on the first
// page load), so keyboard and screen-reader users start at the new
// content instead of at the last button they pressed; it also sets the
// document title.
import { useLayoutEffect, useRef } from 'preact/hooks';

let firstScreen = true;

export function ScreenHeading({ children, title }) {
  const ref = useRef(null);
  // A layout effect: focus moves before the browser paints the new screen,
  // so a key pressed right after the change already lands there.
  useLayoutEffect(() => {
    const text = title || (ref.current && ref.current.textContent) || '';
    document.title = text ? `${text} – Lifted` : 'Lifted';
    if (firstScreen) {
      firstScreen = false;
      return;
    }
    if (ref.current) ref.current.focus({ preventScroll: false });
  }, [title]);
  return <h1 ref={ref} tabIndex={-1} className="screen-heading">{children}</h1>;
}
