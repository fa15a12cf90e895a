import { preactIsland } from "../lib/island";
import { useEffect, useState } from "preact/hooks";

interface Props {
  url: string;
  title: string;
}

/**
 * "Copy link" and, where the browser has the Web Share API, "Share…". Rendered only once hydrated:
 * without JavaScript the plain links and the link field beside it do the job.
 */
export default function ShareActions({ url, title }: Props) {
  const [ready, setReady] = useState(false);
  const [canShare, setCanShare] = useState(false);
  const [status, setStatus] = useState("");
  useEffect(() => {
    setReady(true);
    setCanShare(typeof navigator.share === "function");
  }, []);
  if (!ready) return null;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setStatus("Link copied");
    } catch {
      setStatus("Copy the link from the field below");
    }
  };
  const share = async () => {
    try {
      await navigator.share({ title, url });
    } catch {
      // The shopper closed the share sheet: nothing to report.
    }
  };
  return (
    <div class="share-actions">
      <button type="button" class="button button--secondary button--small" onClick={copy}>
        Copy link
      </button>
      {canShare && (
        <button type="button" class="button button--secondary button--small" onClick={share}>
          Share…
        </button>
      )}
      <span class="share-status small" role="status" aria-live="polite">
        {status}
      </span>
    </div>
  );
}

preactIsland(ShareActions);
