import { preactIsland } from "../lib/island";
import type { JSX } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { storeApi } from "../../sdk";
import type { DisplayCurrency } from "../lib/format";
import { GROUPS, highlight, type Option, optionsOf, type SuggestResponse } from "../lib/search-suggestions";

interface Props {
  /** Pre-fills the box (the words of the current search). */
  query?: string;
  /** Id of the input, unique on the page. */
  id?: string;
  /** The shopper's display currency for product prices in suggestions. */
  display?: DisplayCurrency | null;
}

const DEBOUNCE_MS = 90;
const cache = new Map<string, SuggestResponse>();

/**
 * The header search box. Server-rendered it is a plain GET form to /search. Hydrated, it is an
 * ARIA 1.2 combobox: suggestions (the typed words, categories, brands, products) appear as the
 * shopper types; Down/Up move through them, Enter opens the highlighted one (or searches),
 * Escape closes the list (a second Escape clears the box), Tab leaves it.
 */
export default function SearchBox({ query = "", id = "site-search", display = null }: Props) {
  const [text, setText] = useState(query);
  const [answer, setAnswer] = useState<SuggestResponse | undefined>(undefined);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [hydrated, setHydrated] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const inflight = useRef<AbortController | null>(null);
  const listId = `${id}-suggestions`;

  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    // Whatever was typed before the island woke up is kept.
    if (input.current && input.current.value !== text) setText(input.current.value);
    setHydrated(true);
  }, []);

  const options = useMemo(() => optionsOf(answer, text, display), [answer, text, display]);
  const expanded = hydrated && open && options.length > 1;

  const fetchSuggestions = (typed: string) => {
    const key = typed.trim().toLowerCase();
    if (timer.current) clearTimeout(timer.current);
    if (!key) {
      setAnswer(undefined);
      return;
    }
    const known = cache.get(key);
    if (known) {
      setAnswer(known);
      return;
    }
    timer.current = setTimeout(async () => {
      inflight.current?.abort();
      const controller = new AbortController();
      inflight.current = controller;
      try {
        const { data: body } = await storeApi.GET("/api/search/suggest", {
          params: { query: { q: typed.trim().slice(0, 100), limit: 5 } },
          signal: controller.signal,
        });
        if (!body) return;
        cache.set(key, body);
        setAnswer(body);
      } catch {
        // Aborted by the next keystroke, or offline: keep what is shown.
      }
    }, DEBOUNCE_MS);
  };

  const onInput = (event: JSX.TargetedEvent<HTMLInputElement>) => {
    const value = event.currentTarget.value;
    setText(value);
    setActive(-1);
    setOpen(true);
    fetchSuggestions(value);
  };

  const go = (option: Option) => {
    setOpen(false);
    window.location.assign(option.href);
  };

  const onKeyDown = (event: JSX.TargetedKeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (!expanded) {
        setOpen(true);
        if (!answer) fetchSuggestions(text);
        return;
      }
      setActive((i) => (i + 1 >= options.length ? 0 : i + 1));
    } else if (event.key === "ArrowUp") {
      if (!expanded) return;
      event.preventDefault();
      setActive((i) => (i <= 0 ? options.length - 1 : i - 1));
    } else if (event.key === "Enter") {
      const option = expanded ? options[active] : undefined;
      if (option) {
        event.preventDefault();
        go(option);
      }
    } else if (event.key === "Escape") {
      if (expanded) {
        event.preventDefault();
        setOpen(false);
        setActive(-1);
      } else if (text) {
        event.preventDefault();
        setText("");
        setAnswer(undefined);
      }
    } else if (event.key === "Tab") {
      setOpen(false);
    }
  };

  const activeOption = expanded ? options[active] : undefined;

  return (
    // biome-ignore lint/a11y/useSemanticElements: the same landmark as the server-rendered header form (a <search> wrapper would change the header grid).
    <form class="search-form" role="search" method="get" action="/search">
      <label class="sr-only" for={id}>
        Search products
      </label>
      <div class="search-combobox">
        <input
          ref={input}
          class="input"
          id={id}
          type="search"
          name="q"
          value={text}
          placeholder="Search products"
          autocomplete="off"
          autocapitalize="off"
          spellcheck={false}
          enterkeyhint="search"
          maxLength={200}
          onInput={onInput}
          onKeyDown={onKeyDown}
          onFocus={() => {
            if (!text.trim()) return;
            setOpen(true);
            if (!answer) fetchSuggestions(text);
          }}
          onBlur={() => setOpen(false)}
          {...(hydrated
            ? {
                role: "combobox",
                "aria-autocomplete": "list",
                "aria-expanded": expanded ? "true" : "false",
                "aria-controls": listId,
                "aria-activedescendant": activeOption ? `${id}-${activeOption.id}` : undefined,
              }
            : {})}
        />
        {hydrated && (
          <div class="suggest-panel" id={listId} role="listbox" aria-label="Search suggestions" hidden={!expanded}>
            {GROUPS.map((group) => {
              const members = options.filter((o) => o.kind === group.kind);
              if (members.length === 0) return null;
              const items = members.map((option) => {
                const index = options.indexOf(option);
                return (
                  // biome-ignore lint/a11y/useFocusableInteractive: options stay unfocusable; the input keeps focus and points at them with aria-activedescendant.
                  // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard is handled by the input (arrows and Enter).
                  <div
                    key={option.id}
                    id={`${id}-${option.id}`}
                    class={`suggest-option suggest-option--${option.kind}${index === active ? " is-active" : ""}`}
                    role="option"
                    aria-selected={index === active ? "true" : "false"}
                    // Keep focus in the box: the click still lands.
                    onMouseDown={(e) => e.preventDefault()}
                    onClick={() => go(option)}
                    onMouseMove={() => index !== active && setActive(index)}
                  >
                    {option.kind === "product" &&
                      (option.image ? <img src={option.image} alt="" width={40} height={40} loading="lazy" /> : <span class="suggest-thumb" />)}
                    {option.kind === "query" && (
                      <svg
                        viewBox="0 0 24 24"
                        width="18"
                        height="18"
                        fill="none"
                        stroke="currentColor"
                        stroke-width="1.8"
                        stroke-linecap="round"
                        aria-hidden="true"
                      >
                        <circle cx="11" cy="11" r="6.5" />
                        <path d="M16 16l4.5 4.5" />
                      </svg>
                    )}
                    <span class="suggest-text">
                      <span class="suggest-label">
                        {option.kind === "query" ? (
                          <>
                            Search for <b>“{option.label}”</b>
                          </>
                        ) : (
                          highlight(option.label, text)
                        )}
                      </span>
                      {option.detail && <span class="suggest-detail">{option.detail}</span>}
                    </span>
                  </div>
                );
              });
              return group.title ? (
                // biome-ignore lint/a11y/useSemanticElements: a listbox groups its options with role="group"; a fieldset is not allowed there.
                <div role="group" aria-labelledby={`${id}-group-${group.kind}`} key={group.kind}>
                  <div class="suggest-group" id={`${id}-group-${group.kind}`} role="presentation">
                    {group.title}
                  </div>
                  {items}
                </div>
              ) : (
                items
              );
            })}
          </div>
        )}
        {hydrated && (
          <p class="sr-only" aria-live="polite">
            {expanded ? `${options.length - 1} suggestions. Use the up and down arrow keys to review them.` : ""}
          </p>
        )}
      </div>
      <button class="button" type="submit">
        <svg
          viewBox="0 0 24 24"
          width="24"
          height="24"
          fill="none"
          stroke="currentColor"
          stroke-width="1.8"
          stroke-linecap="round"
          stroke-linejoin="round"
          aria-hidden="true"
          focusable="false"
        >
          <circle cx="11" cy="11" r="6.5" />
          <path d="M16 16l4.5 4.5" />
        </svg>
        <span class="sr-only">Search</span>
      </button>
    </form>
  );
}

preactIsland(SearchBox);
