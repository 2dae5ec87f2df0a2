// A button for an action that is hard to undo: the first press asks
// "Are you sure?" in place, with the real button and a way back.
import { useEffect, useRef, useState } from 'preact/hooks';

export function ConfirmButton({ label, question, confirmLabel, onConfirm, disabled }) {
  const [asking, setAsking] = useState(false);
  const yes = useRef(null);
  useEffect(() => { if (asking && yes.current) yes.current.focus(); }, [asking]);
  if (!asking) {
    return <button type="button" className="button" disabled={disabled} onClick={() => setAsking(true)}>{label}</button>;
  }
  return (
    <span className="confirm" role="group" aria-label={question}>
      <span className="confirm-question">{question}</span>
      <button ref={yes} type="button" className="button button-danger" disabled={disabled}
        onClick={() => { setAsking(false); onConfirm(); }}>{confirmLabel || label}</button>
      <button type="button" className="button button-quiet" onClick={() => setAsking(false)}>Cancel</button>
    </span>
  );
}
