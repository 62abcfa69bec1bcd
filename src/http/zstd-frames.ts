// Follows the frame structure of a zstd stream (RFC 8878, section 3.1) without decoding it, to tell
// whether the input ended on a frame boundary. Bun's streaming zstd decompressor says nothing when
// the input stops inside a frame; gzip, deflate and brotli report that themselves.

type State =
  | "MAGIC" // 4-byte magic number: a zstd frame or a skippable frame
  | "DESCRIPTOR" // frame header descriptor byte
  | "HEADER" // rest of the frame header (window, dictionary id, content size), skipped
  | "BLOCK_HEADER" // 3 bytes: last-block flag, block type, block size
  | "BLOCK" // block content, skipped
  | "CHECKSUM" // optional 4-byte content checksum, skipped
  | "SKIPPABLE_SIZE" // 4-byte size of a skippable frame
  | "SKIPPABLE" // its content, skipped
  | "UNKNOWN"; // not zstd: the decompressor itself reports that

const ZSTD_MAGIC = 0xfd2fb528;
const FIELD_BYTES: Partial<Record<State, number>> = { MAGIC: 4, DESCRIPTOR: 1, BLOCK_HEADER: 3, SKIPPABLE_SIZE: 4 };
const DICT_ID_BYTES = [0, 1, 2, 4];

export class ZstdFrameTracker {
  #state: State = "MAGIC";
  #field = 0;
  #fieldBytes = 0;
  #skip = 0;
  #hasChecksum = false;
  #lastBlock = false;
  #frames = 0;

  /** True when at least one frame was seen and the input so far ends between frames. */
  get complete(): boolean {
    return this.#state === "UNKNOWN" || (this.#state === "MAGIC" && this.#fieldBytes === 0 && this.#frames > 0);
  }

  feed(chunk: Uint8Array): void {
    let pos = 0;
    while (pos < chunk.length && this.#state !== "UNKNOWN") {
      const width = FIELD_BYTES[this.#state];
      if (width === undefined) {
        const n = Math.min(this.#skip, chunk.length - pos);
        this.#skip -= n;
        pos += n;
        if (this.#skip === 0) this.#afterSkip();
        continue;
      }
      this.#field += chunk[pos++]! * 2 ** (8 * this.#fieldBytes);
      if (++this.#fieldBytes === width) {
        const value = this.#field;
        this.#field = 0;
        this.#fieldBytes = 0;
        this.#onField(value);
      }
    }
  }

  #onField(value: number): void {
    switch (this.#state) {
      case "MAGIC":
        if (value === ZSTD_MAGIC) this.#state = "DESCRIPTOR";
        else if (Math.floor(value / 16) === 0x184d2a5) this.#state = "SKIPPABLE_SIZE";
        else this.#state = "UNKNOWN";
        return;
      case "DESCRIPTOR": {
        const contentSizeFlag = value >> 6;
        const singleSegment = (value >> 5) & 1;
        this.#hasChecksum = ((value >> 2) & 1) === 1;
        const contentSizeBytes = [singleSegment, 2, 4, 8][contentSizeFlag]!;
        this.#skip = (singleSegment ? 0 : 1) + DICT_ID_BYTES[value & 3]! + contentSizeBytes;
        this.#state = "HEADER";
        if (this.#skip === 0) this.#afterSkip();
        return;
      }
      case "BLOCK_HEADER": {
        this.#lastBlock = (value & 1) === 1;
        const type = (value >> 1) & 3;
        if (type === 3) {
          this.#state = "UNKNOWN"; // reserved block type: corrupt, the decompressor reports it
          return;
        }
        this.#skip = type === 1 ? 1 : value >>> 3; // RLE blocks carry one byte
        this.#state = "BLOCK";
        if (this.#skip === 0) this.#afterSkip();
        return;
      }
      case "SKIPPABLE_SIZE":
        this.#skip = value;
        this.#state = "SKIPPABLE";
        if (this.#skip === 0) this.#afterSkip();
        return;
    }
  }

  #afterSkip(): void {
    switch (this.#state) {
      case "HEADER":
        this.#state = "BLOCK_HEADER";
        return;
      case "BLOCK":
        if (!this.#lastBlock) this.#state = "BLOCK_HEADER";
        else if (this.#hasChecksum) {
          this.#skip = 4;
          this.#state = "CHECKSUM";
        } else this.#endOfFrame();
        return;
      case "CHECKSUM":
      case "SKIPPABLE":
        this.#endOfFrame();
        return;
    }
  }

  #endOfFrame(): void {
    this.#frames++;
    this.#state = "MAGIC";
  }
}
