// /qns is asked once per page load and shared by every screen.
import { useApi } from './useApi.js';
import { api } from './api.js';

let pending = null;

function loadQuestions() {
  if (!pending) {
    pending = api.questions().catch((e) => {
      pending = null;
      throw e;
    });
  }
  return pending;
}

export function useQuestions() {
  return useApi(() => loadQuestions(), []);
}

// Legal Support is the one vertical that asks "law firm or in-house?".
export function isLegalSupport(vertical) {
  return Boolean(vertical) && /legal support/i.test(vertical.text || vertical.name || '');
}

export function findVertical(qns, id) {
  return (qns.vertical.options || []).find((o) => String(o.id) === String(id)) || null;
}

export function categoriesOf(qns, verticalId) {
  return (qns.comp_category.options || {})[String(verticalId)] || [];
}

// The option text without its final full stop, for use inside a sentence.
export function plain(text) {
  return String(text || '').replace(/\.\s*$/, '');
}
