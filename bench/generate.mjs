// Generates a large app spec for benchmarks: N services wired into a
// dependency chain, with config, autoscaling, exposure and admin jobs mixed in.
export function generateAppText(services) {
  const lines = [
    'apiVersion: nimbus.dev/v1alpha1',
    'kind: App',
    'metadata:',
    '  name: bench',
    'spec:',
    '  resources:',
    '    db: { type: postgres, namespace: database }',
    '    cache: { type: redis, namespace: redis }',
    '  services:',
  ];
  for (let i = 0; i < services; i++) {
    const name = `svc-${String(i).padStart(4, '0')}`;
    lines.push(`    ${name}:`);
    lines.push(`      image: registry.local:5000/bench/${name}:1.0.${i}`);
    lines.push('      ports: [{ name: http, port: 8080 }, { name: grpc, port: 9090 }]');
    lines.push('      env: { LOG_LEVEL: info, DB_HOST: "${resources.db.host}" }');
    lines.push(`      config: { data: { INDEX: "${i}" }, files: { /etc/app/config.json: '{"n": ${i}}' } }`);
    if (i % 2 === 0) lines.push('      autoscaling: { min: 2, max: 8, cpu: 70 }');
    else lines.push('      replicas: 3');
    if (i % 10 === 0) lines.push(`      expose: { host: ${name}.example.com }`);
    const deps = ['db', ...(i > 0 ? [`svc-${String(i - 1).padStart(4, '0')}`] : []), ...(i % 3 === 0 ? ['cache'] : [])];
    lines.push(`      dependsOn: [${deps.join(', ')}]`);
    if (i % 25 === 0) lines.push('      jobs: { migrate: { command: [./migrate] } }');
  }
  return `${lines.join('\n')}\n`;
}
