// A-core program: finds the firmware's service by name, talks to it, returns what it heard.
/** @type {import('../../packages/soc/dist/index.js').MasterProgram} */
export default async function main(device) {
  const ept = await device.openChannel('rpmsg-echo', { hello: false });
  /** @type {string[]} */
  const replies = [];
  /** @type {Promise<void>} */
  const done = new Promise((resolve) => {
    ept.on('message', (payload) => {
      replies.push(new TextDecoder().decode(payload));
      if (replies.length === 3) resolve();
    });
  });
  for (const text of ['hello', 'from', 'the a-core']) await ept.send(new TextEncoder().encode(text));
  await done;
  return replies;
}
