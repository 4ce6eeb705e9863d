/** One HTTP call with an optional JSON body; the answer's status and parsed JSON body. */
export const requestJson = async (url: string, method: string, body?: unknown) => {
  const response = await fetch(url, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
