import type { Channel } from '../api/types';
import { FieldError } from './states';

export type Delivery = 'instant' | 'hourly' | 'daily';

export interface DeliverySchedule {
  delivery: Delivery;
  digestAt: string;
  timeZone: string;
}

/** The browser's own zone is the likeliest answer for a daily digest. */
export function localTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export function scheduleOf(channel?: Channel): DeliverySchedule {
  return {
    delivery: (channel?.delivery as Delivery | undefined) ?? 'instant',
    digestAt: channel?.digest_at ?? '08:00',
    timeZone: channel?.time_zone ?? localTimeZone(),
  };
}

/** The request fields of a schedule: a daily digest names its time and zone, the others nothing more. */
export function scheduleBody(schedule: DeliverySchedule): { delivery: Delivery; digest_at?: string; time_zone?: string } {
  if (schedule.delivery !== 'daily') return { delivery: schedule.delivery };
  return { delivery: 'daily', digest_at: schedule.digestAt.trim(), time_zone: schedule.timeZone.trim() };
}

export function checkSchedule(schedule: DeliverySchedule): { digest_at?: string; time_zone?: string } {
  if (schedule.delivery !== 'daily') return {};
  return {
    digest_at: /^([01]\d|2[0-3]):[0-5]\d$/.test(schedule.digestAt.trim()) ? undefined : 'Give a time as HH:MM, such as 08:30.',
    time_zone: schedule.timeZone.trim() === '' ? 'Give a time zone, such as Europe/Berlin.' : undefined,
  };
}

/** How a channel's schedule reads in its list. */
export function describeSchedule(channel: Channel): string {
  if (channel.delivery === 'hourly') return 'Hourly digest';
  if (channel.delivery === 'daily') return `Daily digest at ${channel.digest_at ?? '?'} (${channel.time_zone ?? 'UTC'})`;
  return 'Each alert at once';
}

/** Instant alerts, or one digest an hour or a day at a local time. */
export function DeliveryFields({
  prefix,
  schedule,
  errors,
  onChange,
}: {
  prefix: string;
  schedule: DeliverySchedule;
  errors: { digest_at?: string; time_zone?: string };
  onChange: (schedule: DeliverySchedule) => void;
}) {
  return (
    <fieldset class="delivery-fields">
      <legend>Delivery</legend>
      {(
        [
          ['instant', 'Each alert at once'],
          ['hourly', 'One digest an hour'],
          ['daily', 'One digest a day'],
        ] as [Delivery, string][]
      ).map(([value, label]) => (
        <div class="check" key={value}>
          <input
            type="radio"
            id={`${prefix}-delivery-${value}`}
            name={`${prefix}-delivery`}
            checked={schedule.delivery === value}
            onChange={() => onChange({ ...schedule, delivery: value })}
          />
          <label for={`${prefix}-delivery-${value}`}>{label}</label>
        </div>
      ))}
      {schedule.delivery === 'daily' && (
        <>
          <label for={`${prefix}-digest-at`}>Time of the daily digest</label>
          <input
            id={`${prefix}-digest-at`}
            type="time"
            value={schedule.digestAt}
            onInput={(event) => onChange({ ...schedule, digestAt: event.currentTarget.value })}
            aria-invalid={errors.digest_at ? true : undefined}
            aria-describedby={errors.digest_at ? `${prefix}-digest-at-error` : undefined}
          />
          <FieldError id={`${prefix}-digest-at-error`} message={errors.digest_at} />
          <label for={`${prefix}-time-zone`}>Time zone</label>
          <input
            id={`${prefix}-time-zone`}
            value={schedule.timeZone}
            placeholder="Europe/Berlin"
            onInput={(event) => onChange({ ...schedule, timeZone: event.currentTarget.value })}
            aria-invalid={errors.time_zone ? true : undefined}
            aria-describedby={errors.time_zone ? `${prefix}-time-zone-error` : undefined}
          />
          <FieldError id={`${prefix}-time-zone-error`} message={errors.time_zone} />
        </>
      )}
      {schedule.delivery !== 'instant' && <p class="hint">A digest lists every alert of the period in one message; nothing is sent for a period without alerts.</p>}
    </fieldset>
  );
}
