import type { ComponentChildren } from 'preact';

export interface Choice<T extends string> {
  value: T;
  label: string;
}

/** A labelled drop-down of one monitor setting, with an optional hint tied to it for screen readers. */
export function ChoiceField<T extends string>(props: {
  id: string;
  label: string;
  value: T;
  choices: Choice<T>[];
  onChange: (value: T) => void;
  hint?: ComponentChildren;
}) {
  const hintId = `${props.id}-hint`;
  return (
    <>
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={props.value}
        onChange={(event) => props.onChange(event.currentTarget.value as T)}
        aria-describedby={props.hint ? hintId : undefined}
      >
        {props.choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
      {props.hint && (
        <p id={hintId} class="hint small muted">
          {props.hint}
        </p>
      )}
    </>
  );
}
