#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// A small Airbyte source on Faros' TypeScript Airbyte CDK (faros-airbyte-cdk), used by the
// flow-airbyte-shim live tests. Two streams:
//  - users:  keyed by id, incremental on updated_at (state {cursor}), ids 1..user_count;
//  - events: no key, full refresh, event_count rows.
// With `rotate_token`, read emits one CONTROL/CONNECTOR_CONFIG with a new api_token;
// with `bad_control`, one whose config breaks the spec; with `fail_after`, read fails after
// that many users.
const {
  AirbyteSourceBase,
  AirbyteSourceLogger,
  AirbyteSourceRunner,
  AirbyteSpec,
  AirbyteStreamBase,
  SyncMode,
} = require('faros-airbyte-cdk');
const VError = require('verror');

const BASE_TIME = Date.UTC(2024, 0, 1);

function isoMinute(n) {
  return new Date(BASE_TIME + n * 60000).toISOString();
}

class Users extends AirbyteStreamBase {
  constructor(logger, config) {
    super(logger);
    this.config = config;
  }
  getJsonSchema() {
    return {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {
        id: {type: 'integer'},
        name: {type: ['null', 'string']},
        updated_at: {type: 'string', format: 'date-time'},
      },
    };
  }
  get primaryKey() {
    return 'id';
  }
  get cursorField() {
    return 'updated_at';
  }
  get stateCheckpointInterval() {
    return 2;
  }
  async *readRecords(syncMode, cursorField, streamSlice, streamState) {
    const after = syncMode === SyncMode.INCREMENTAL ? streamState?.cursor ?? 0 : 0;
    for (let id = after + 1; id <= this.config.user_count; id++) {
      yield {id, name: `user ${id}`, updated_at: isoMinute(id)};
    }
  }
  getUpdatedState(currentStreamState, latestRecord) {
    return {cursor: Math.max(currentStreamState?.cursor ?? 0, latestRecord.id)};
  }
}

class Events extends AirbyteStreamBase {
  constructor(logger, config) {
    super(logger);
    this.config = config;
  }
  getJsonSchema() {
    return {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {kind: {type: 'string'}, at: {type: 'string'}},
    };
  }
  get primaryKey() {
    return undefined;
  }
  async *readRecords() {
    for (let n = 0; n < this.config.event_count; n++) {
      yield {kind: n % 2 === 0 ? 'click' : 'view', at: isoMinute(n)};
    }
  }
}

class ShimTestSource extends AirbyteSourceBase {
  get type() {
    return 'shim-test';
  }
  async spec() {
    return new AirbyteSpec(require('./spec.json'));
  }
  async checkConnection(config) {
    if (!config.api_token || config.api_token === 'invalid') {
      return [false, new VError('api_token is invalid')];
    }
    return [true, undefined];
  }
  streams(config) {
    return [new Users(this.logger, config), new Events(this.logger, config)];
  }
  async *read(config, redactedConfig, catalog, state) {
    if (config.rotate_token || config.bad_control) {
      const updated = {...config};
      if (config.bad_control) {
        updated.user_count = 'many';
      } else {
        updated.api_token = `${config.api_token}-rotated`;
        updated.rotate_token = false;
      }
      yield {
        type: 'CONTROL',
        control: {
          type: 'CONNECTOR_CONFIG',
          emitted_at: Date.now(),
          connectorConfig: {config: updated},
        },
      };
    }
    let users = 0;
    for await (const message of super.read(config, redactedConfig, catalog, state)) {
      if (message.type === 'RECORD' && message.record.stream === 'users') {
        users++;
        if (config.fail_after !== undefined && users > config.fail_after) {
          // Thrown out of read(): the CDK logs it and the process fails.
          throw new VError('the users API failed after %d users', config.fail_after);
        }
      }
      yield message;
    }
  }
}

function main() {
  const logger = new AirbyteSourceLogger();
  const source = new ShimTestSource(logger);
  new AirbyteSourceRunner(logger, source).mainCommand().parseAsync(process.argv);
}

main();
