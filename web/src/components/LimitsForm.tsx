import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { ErrorMessage, FieldError } from './states';

/** One numeric limit in the form: `name` is the API's field, so its 422 lands under the input. */
export interface LimitField {
  name: string;
  label: string;
  /** The current limit as text, empty when none is set. */
  initial: string;
}

interface Props {
  /** Unique per form on the page: input ids derive from it. */
  id: string;
  fields: LimitField[];
  /** The smallest allowed limit. */
  min: number;
  /** What an empty field means, e.g. "the default" or "no limit". */
  emptyMeans: string;
  placeholder: string;
  onSave: (values: Record<string, number | null>) => Promise<void>;
}

/** The text of a limit field as a number, `null` for empty, or a problem. */
function parseLimit(text: string, min: number, emptyMeans: string): { value: number | null; problem?: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { value: null };
  const value = Number(trimmed);
  if (!Number.isInteger(value) || value < min) return { value: null, problem: `A whole number from ${min}, or empty for ${emptyMeans}` };
  return { value };
}

/** An inline form of whole-number limits (admin quotas and model budgets), checked before it is sent. */
export function LimitsForm({ id, fields, min, emptyMeans, placeholder, onSave }: Props) {
  const [texts, setTexts] = useState<Record<string, string>>(() => Object.fromEntries(fields.map((field) => [field.name, field.initial])));
  const [problems, setProblems] = useState<Record<string, string | undefined>>({});
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  const save = async (event: Event) => {
    event.preventDefault();
    const parsed = fields.map((field) => [field.name, parseLimit(texts[field.name] ?? '', min, emptyMeans)] as const);
    const found = Object.fromEntries(parsed.map(([name, result]) => [name, result.problem]));
    setProblems(found);
    setError(null);
    setSaved(false);
    if (parsed.some(([, result]) => result.problem)) return;
    try {
      await onSave(Object.fromEntries(parsed.map(([name, result]) => [name, result.value])));
      setSaved(true);
    } catch (caught) {
      setError(caught);
      if (caught instanceof ApiError) setProblems(Object.fromEntries(fields.map((field) => [field.name, caught.fieldMessage(field.name)])));
    }
  };

  return (
    <form class="inline-form" onSubmit={save} noValidate>
      {error !== null && fields.every((field) => !problems[field.name]) && <ErrorMessage error={error} />}
      <div class="row">
        {fields.map((field) => (
          <div key={field.name}>
            <label for={`${id}-${field.name}`}>{field.label}</label>
            <input
              id={`${id}-${field.name}`}
              inputMode="numeric"
              value={texts[field.name]}
              placeholder={placeholder}
              onInput={(event) => setTexts({ ...texts, [field.name]: event.currentTarget.value })}
              aria-invalid={problems[field.name] ? true : undefined}
              aria-describedby={problems[field.name] ? `${id}-${field.name}-error` : undefined}
            />
            <FieldError id={`${id}-${field.name}-error`} message={problems[field.name]} />
          </div>
        ))}
        <div class="align-end">
          <button type="submit" class="small-button">
            Save
          </button>
          {saved && (
            <span class="small muted" role="status">
              {' '}
              Saved
            </span>
          )}
        </div>
      </div>
    </form>
  );
}
