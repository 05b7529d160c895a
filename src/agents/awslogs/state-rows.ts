// The rows of the agent's SQLite state file (`push_state`, `stream_state`), as the agent writes their JSON.
// Shared by the lab agent, which writes them, and the doctor, which reads and repairs them.

/** `stream_state`, keyed by section name. */
export interface StreamState {
  source_id: string;
  initial_position: number;
}

/** `push_state`, keyed by source id; written after each accepted batch. Positions are byte offsets, times epoch ms. */
export interface PushState {
  source_id: string;
  start_position: number;
  end_position: number;
  batch_timestamp: number;
  first_timestamp: number;
  first_timestamp_status: number;
  sequence_token: string | null;
}
