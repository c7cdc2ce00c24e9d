import { useState } from 'preact/hooks';
import type { Errors } from '../lib/validation';
import { FieldError } from './states';

// The part of a page a monitor watches, in one of five languages. The API
// keeps one field per kind; a monitor uses one selector, so choosing a kind
// moves the expression to that field and clears the others.

export type SelectorField = 'css_selector' | 'xpath' | 'json_pointer' | 'json_path' | 'jq_filter';
export type SelectorFields = Record<SelectorField, string>;

interface Kind {
  field: SelectorField;
  label: string;
  placeholder: string;
  hint: string;
}

export const SELECTOR_KINDS: Kind[] = [
  {
    field: 'css_selector',
    label: 'CSS selector',
    placeholder: '.price, #jobs li',
    hint: 'For web pages: the text of every matching element.',
  },
  {
    field: 'xpath',
    label: 'XPath',
    placeholder: "//li[span[@class='badge']='In stock']/h2",
    hint: 'XPath 1.0, for web pages and RSS or Atom feeds (no namespace prefixes needed). Attributes and count() work too.',
  },
  {
    field: 'json_pointer',
    label: 'JSON pointer',
    placeholder: '/data/0/price',
    hint: 'For JSON APIs: one value, by its path (RFC 6901).',
  },
  {
    field: 'json_path',
    label: 'JSONPath',
    placeholder: '$.items[?@.stock > 0].name',
    hint: 'For JSON APIs: every matching value (RFC 9535).',
  },
  {
    field: 'jq_filter',
    label: 'jq filter',
    placeholder: '[.items[] | .price] | min',
    hint: 'For JSON APIs: a jq program; each output is one line.',
  },
];

export const NO_SELECTORS: SelectorFields = { css_selector: '', xpath: '', json_pointer: '', json_path: '', jq_filter: '' };

/** The selector fields of a monitor as the form edits them (null becomes ''). */
export function selectorFields(source: Partial<Record<SelectorField, string | null | undefined>>): SelectorFields {
  const fields = { ...NO_SELECTORS };
  for (const kind of SELECTOR_KINDS) fields[kind.field] = source[kind.field] ?? '';
  return fields;
}

/** What the API is sent: every field, the unused ones as null so a kind switch clears them. */
export function selectorInput(fields: SelectorFields): Record<SelectorField, string | null> {
  const input = {} as Record<SelectorField, string | null>;
  for (const kind of SELECTOR_KINDS) input[kind.field] = fields[kind.field].trim() || null;
  return input;
}

function chosenKind(fields: SelectorFields): SelectorField {
  return SELECTOR_KINDS.find((kind) => fields[kind.field].trim())?.field ?? 'css_selector';
}

export function SelectorPicker(props: {
  fields: SelectorFields;
  onChange: (fields: SelectorFields) => void;
  errors: Errors;
}) {
  const [field, setField] = useState<SelectorField>(() => chosenKind(props.fields));
  const kind = SELECTOR_KINDS.find((candidate) => candidate.field === field) ?? SELECTOR_KINDS[0];
  const expression = props.fields[field];
  const error = SELECTOR_KINDS.map((candidate) => props.errors[candidate.field]).find(Boolean);
  const inputId = 'monitor-selector';

  const choose = (next: SelectorField) => {
    setField(next);
    props.onChange({ ...NO_SELECTORS, [next]: expression });
  };

  return (
    <div class="selector-picker">
      <label for={inputId}>Part of the page (optional)</label>
      <div class="row">
        <div>
          <select
            id="monitor-selector-kind"
            aria-label="Selector language"
            value={field}
            onChange={(event) => choose(event.currentTarget.value as SelectorField)}
          >
            {SELECTOR_KINDS.map((candidate) => (
              <option key={candidate.field} value={candidate.field}>
                {candidate.label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <input
            id={inputId}
            class="mono"
            value={expression}
            onInput={(event) => props.onChange({ ...NO_SELECTORS, [field]: event.currentTarget.value })}
            aria-invalid={error ? true : undefined}
            aria-describedby={[`${inputId}-hint`, error ? `${inputId}-error` : ''].filter(Boolean).join(' ')}
            placeholder={kind.placeholder}
          />
        </div>
      </div>
      <p class="hint" id={`${inputId}-hint`}>
        {kind.hint} Leave empty to watch the whole page's text.
      </p>
      <FieldError id={`${inputId}-error`} message={error} />
    </div>
  );
}
