// Answers and choices kept in sessionStorage, so a page reload (or a
// visit to a provider's page and back) keeps them, and a new tab or a
// closed browser starts fresh. One key per flow ("lifted.review", ...);
// components share a key through useStored and see each other's updates.
import { useEffect, useState, useCallback } from 'preact/hooks';

const PREFIX = 'lifted.';
const listeners = new Map();

function read(key, fallback) {
  try {
    const raw = window.sessionStorage.getItem(PREFIX + key);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

function write(key, value) {
  try {
    if (value === undefined) window.sessionStorage.removeItem(PREFIX + key);
    else window.sessionStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Storage full or disabled (private mode): the flow still works,
    // it just does not survive a reload.
  }
  for (const fn of listeners.get(key) || []) fn(value);
}

export function getStored(key, fallback) {
  return read(key, fallback);
}

export function setStored(key, value) {
  write(key, value);
}

// [value, update]: update(patch) merges an object patch (or takes a
// function of the old value) and stores the result.
export function useStored(key, initial) {
  const [value, setValue] = useState(() => read(key, initial));

  useEffect(() => {
    const set = listeners.get(key) || new Set();
    listeners.set(key, set);
    const fn = (v) => setValue(v === undefined ? initial : v);
    set.add(fn);
    setValue(read(key, initial));
    return () => set.delete(fn);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  const update = useCallback((patch) => {
    const old = read(key, initial);
    const next = typeof patch === 'function' ? patch(old) : { ...old, ...patch };
    write(key, next);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  return [value, update];
}
