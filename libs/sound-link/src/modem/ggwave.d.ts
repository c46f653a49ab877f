// Types of the `ggwave` package (0.4.0, an Emscripten/WASM build with embind; it ships none). Only
// what this library uses. Byte strings cross embind as std::string: JS typed arrays are copied in,
// results come back as views into the WASM heap (copy them before the next call).
declare module 'ggwave' {
  interface GgwaveEnumValue {
    readonly value: number;
  }

  interface GgwaveParameters {
    payloadLength: number;
    sampleRateInp: number;
    sampleRateOut: number;
    sampleRate: number;
    samplesPerFrame: number;
    soundMarkerThreshold: number;
    sampleFormatInp: GgwaveEnumValue;
    sampleFormatOut: GgwaveEnumValue;
    operatingMode: number;
  }

  interface GgwaveModule {
    readonly SampleFormat: { readonly GGWAVE_SAMPLE_FORMAT_F32: GgwaveEnumValue };
    readonly ProtocolId: {
      readonly GGWAVE_PROTOCOL_AUDIBLE_NORMAL: GgwaveEnumValue;
      readonly GGWAVE_PROTOCOL_AUDIBLE_FAST: GgwaveEnumValue;
      readonly GGWAVE_PROTOCOL_AUDIBLE_FASTEST: GgwaveEnumValue;
      readonly GGWAVE_PROTOCOL_ULTRASOUND_NORMAL: GgwaveEnumValue;
      readonly GGWAVE_PROTOCOL_ULTRASOUND_FAST: GgwaveEnumValue;
      readonly GGWAVE_PROTOCOL_ULTRASOUND_FASTEST: GgwaveEnumValue;
      readonly GGWAVE_PROTOCOL_DT_NORMAL: GgwaveEnumValue;
      readonly GGWAVE_PROTOCOL_DT_FAST: GgwaveEnumValue;
      readonly GGWAVE_PROTOCOL_DT_FASTEST: GgwaveEnumValue;
    };
    getDefaultParameters(): GgwaveParameters;
    /** An instance id (0…3), or -1 when all four are in use. */
    init(parameters: GgwaveParameters): number;
    free(instance: number): void;
    /** The waveform as bytes in the output sample format (a view into the WASM heap). */
    encode(
      instance: number,
      payload: Uint8Array,
      protocolId: GgwaveEnumValue,
      volume: number,
    ): Int8Array;
    /** The payload of a frame completed by these samples (a view into the WASM heap), or an empty view. */
    decode(instance: number, samples: Int8Array): Int8Array;
    /**
     * Whether instances made from now on listen for a protocol (a process-wide default, copied
     * into an instance by `init`; all on at load).
     */
    rxToggleProtocol(protocolId: GgwaveEnumValue, state: number): void;
    /** ggwave's log on (to `printErr`): the only sign of a frame it heard but could not decode. */
    enableLog(): void;
  }

  interface GgwaveModuleOptions {
    print?: (text: string) => void;
    printErr?: (text: string) => void;
  }

  const factory: (options?: GgwaveModuleOptions) => Promise<GgwaveModule>;
  export = factory;
}
