// The live hub (/hubs/live) through the SignalR client (vendored from npm, loaded before the modules as the global
// `signalR`). It reconnects by itself and subscribes again to every topic it held, then tells the page so it can
// read the state it may have missed (docs/api/platform.md: events are a view of committed state).

/**
 * connectLive({ token, onState }) → { on(event, fn), subscribe(topic), unsubscribe(topic), connect(), connected(), invoke(method, ...args), stop() }.
 * `token` is an async function giving the access token (or '' for an anonymous viewer).
 */
export function connectLive({ token, onState } = {}) {
  const topics = new Set();
  const connection = new signalR.HubConnectionBuilder()
    .withUrl('/hubs/live', token ? { accessTokenFactory: token } : {})
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(10_000, 500 * 2 ** ctx.previousRetryCount) })
    .build();
  const state = (s) => onState?.(s);
  let started = null;
  let stopped = false;

  const start = () => {
    started ??= connection.start().then(() => state('connected')).catch((error) => {
      started = null;
      state('disconnected');
      setTimeout(start, 3000);
      throw error;
    });
    return started;
  };

  connection.onreconnecting(() => state('reconnecting'));
  connection.onreconnected(async () => {
    for (const topic of topics) await connection.invoke('Subscribe', topic).catch(() => {});
    state('reconnected');
  });
  connection.onclose(() => {
    state('disconnected');
    if (stopped) return;
    started = null;
    setTimeout(() => start().then(async () => {
      for (const topic of topics) await connection.invoke('Subscribe', topic).catch(() => {});
      state('reconnected');
    }).catch(() => {}), 3000);
  });

  return {
    /** Listens to a hub event; returns the function that stops listening. */
    on: (event, fn) => { connection.on(event, fn); return () => connection.off(event, fn); },
    async subscribe(topic) {
      topics.add(topic);
      await start();
      await connection.invoke('Subscribe', topic);
    },
    async unsubscribe(topic) {
      topics.delete(topic);
      if (connection.state === 'Connected') await connection.invoke('Unsubscribe', topic).catch(() => {});
    },
    /** Opens the connection without watching a topic (a canvasser's app sends its visits on it). */
    connect: () => start(),
    connected: () => connection.state === 'Connected',
    /** Calls a hub method; rejects when the connection is down or the hub refused. */
    invoke: (method, ...args) => connection.invoke(method, ...args),
    stop: () => { stopped = true; return connection.stop(); },
  };
}
