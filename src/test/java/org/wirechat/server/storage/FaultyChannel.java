package org.wirechat.server.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import org.wirechat.server.storage.FaultPlan.Fault;
import org.wirechat.server.storage.FaultPlan.Point;

/**
 * A message log file as the real channel, but each write, truncation and sync is a point of the
 * {@link FaultPlan}: a DISK_FULL write lands half its bytes and then fails, as a short write before
 * ENOSPC does; an IO_ERROR fails before anything happens; IO_ERROR_AFTER does it, then fails.
 */
final class FaultyChannel extends FileChannel {
    private final FileChannel real;
    private final String name;
    private final FaultPlan plan;

    FaultyChannel(FileChannel real, String name, FaultPlan plan) {
        this.real = real;
        this.name = name;
        this.plan = plan;
    }

    /** Writes {@code src} at {@code position} (or the channel's position when negative), through the plan. */
    private int written(ByteBuffer src, long position) throws IOException {
        Fault f = plan.reached(Point.LOG_WRITE, "a write of " + src.remaining() + " bytes to " + name);
        if (f == null || f == Fault.ACTION) {
            if (f == Fault.ACTION) {
                plan.act();
            }
            return position < 0 ? real.write(src) : real.write(src, position);
        }
        if (f == Fault.DISK_FULL && src.remaining() > 1) {
            ByteBuffer half = src.duplicate();
            half.limit(half.position() + src.remaining() / 2);
            int done = position < 0 ? real.write(half) : real.write(half, position);
            src.position(src.position() + done);
        } else if (f == Fault.IO_ERROR_AFTER) {
            if (position < 0) {
                real.write(src);
            } else {
                real.write(src, position);
            }
        }
        throw plan.ioFailure(f);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return written(src, -1);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        return written(src, position);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += written(srcs[i], -1);
        }
        return total;
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        Fault f = plan.reached(Point.LOG_WRITE, "a truncation of " + name + " to " + size);
        if (f == Fault.ACTION) {
            plan.act();
        } else if (f == Fault.IO_ERROR_AFTER) {
            real.truncate(size);
            throw plan.ioFailure(f);
        } else if (f != null) {
            throw plan.ioFailure(f);
        }
        real.truncate(size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        Fault f = plan.reached(Point.LOG_SYNC, "a sync of " + name);
        if (f == Fault.ACTION) {
            plan.act();
        } else if (f == Fault.IO_ERROR_AFTER) {
            real.force(metaData);
            throw plan.ioFailure(f);
        } else if (f != null) {
            throw plan.ioFailure(f);
        }
        real.force(metaData);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return real.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return real.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return real.read(dst, position);
    }

    @Override
    public long position() throws IOException {
        return real.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        real.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return real.size();
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return real.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        throw new UnsupportedOperationException("the message log does not transfer into its files");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        throw new UnsupportedOperationException("the message log does not map its files");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return real.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return real.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        real.close();
    }
}
