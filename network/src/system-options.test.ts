import { OptionError, parseStartOptions, parseStopOptions } from './system-options';

describe('parseStartOptions', () => {
  it('with no options and no DOL_PORT, starts the Fabric system with its first gateway on 8080', () => {
    expect(parseStartOptions([], {})).toEqual({ embedded: false, orderers: undefined, gateways: 1, edge: undefined, port: 8080 });
  });

  it('takes the first gateway port from --port over DOL_PORT over DOL_SYSTEM_GATEWAY_PORT', () => {
    const env = { DOL_PORT: '8100', DOL_SYSTEM_GATEWAY_PORT: '8200' };
    expect(parseStartOptions(['--port', '8090'], env)).toMatchObject({ port: 8090 });
    expect(parseStartOptions([], env)).toMatchObject({ port: 8100 });
    expect(parseStartOptions([], { DOL_SYSTEM_GATEWAY_PORT: '8200' })).toMatchObject({ port: 8200 });
    expect(parseStartOptions([], { DOL_PORT: '' })).toMatchObject({ port: 8080 });
  });

  it('reads every option with its value, in any order', () => {
    expect(parseStartOptions(['--gateways', '3', '--edge', 'canteen-1', '--port', '9000', '--orderers', '3'], {})).toEqual({ embedded: false, orderers: 3, gateways: 3, edge: 'canteen-1', port: 9000 });
    expect(parseStartOptions(['--edge', '--embedded'], {})).toMatchObject({ embedded: true, edge: 'canteen-demo' });
  });

  it.each([
    [['--bogus'], /unknown option --bogus/],
    [['stray'], /unknown option stray/],
    [['--port'], /--port needs a value/],
    [['--port', '--embedded'], /--port needs a value/],
    [['--port', '80x'], /--port takes a port from 1 to 65525.*not '80x'/],
    [['--port', '0'], /--port takes a port/],
    [['--port', '65530'], /--port takes a port/],
    [['--gateways', '9'], /--gateways takes a whole number from 1 to 8/],
    [['--orderers', '2'], /--orderers takes 1, 3 or 5/],
    [['--embedded', '--gateways', '2'], /--gateways is for the Fabric system/],
    [['--edge', 'bad id'], /--edge takes a merchant id/],
  ])('refuses %j with an OptionError saying what is wrong', (args, message) => {
    expect(() => parseStartOptions(args, {})).toThrow(OptionError);
    expect(() => parseStartOptions(args, {})).toThrow(message);
  });

  it('refuses a DOL_PORT that is not a port, naming DOL_PORT', () => {
    expect(() => parseStartOptions([], { DOL_PORT: 'eighty' })).toThrow(/^DOL_PORT takes a port from 1 to 65525.*not 'eighty'/);
  });
});

describe('parseStopOptions', () => {
  it('keeps ledgers without --purge, purges the running system with a bare --purge, or the one named', () => {
    expect(parseStopOptions([])).toEqual({ purge: undefined });
    expect(parseStopOptions(['--purge'])).toEqual({ purge: '' });
    expect(parseStopOptions(['--purge', 'embedded'])).toEqual({ purge: 'embedded' });
  });

  it('refuses an unknown purge target and unknown options', () => {
    expect(() => parseStopOptions(['--purge', 'everything'])).toThrow(/--purge takes fabric, embedded or all/);
    expect(() => parseStopOptions(['--port', '8090'])).toThrow(/unknown option --port 8090/);
  });
});
