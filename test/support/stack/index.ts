// The four services as child processes (restartable on the same address), and a broker of a test's
// own (imported as @settle/service-stack; its own Nx project: test-support's users include the libs it
// starts, so test-support itself cannot import them).
export * from './own-kafka';
export * from './service-stack';
