// The task module of the Kubernetes example: a job per number below n, each squared. The
// image (Dockerfile) holds it in /home/node/app, the working directory of both Jobs' pods.
export async function* getJobs(last = 0, args = {}) {
  const n = Number(args.n ?? 1000);
  for (let i = last; i < n; i++) yield i;
}

export function countJobs(args = {}) {
  return Number(args.n ?? 1000);
}

export function handleJob(i) {
  return i * i;
}
